import { constants, deflateSync, createDeflate } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DecodeFaultCode, inflateLinkStream } from '../../src/cli/decode/index.js';

/** A link-compression stream: one zlib stream, a sync flush after each part, never finished. */
async function syncFlushed(parts: Buffer[]): Promise<{ stream: Buffer; boundaries: number[] }> {
  const z = createDeflate();
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const boundaries: number[] = [];
  for (const p of parts) {
    z.write(p);
    await new Promise<void>((resolve) => z.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    boundaries.push(Buffer.concat(out).length);
  }
  return { stream: Buffer.concat(out), boundaries };
}

describe('inflateLinkStream', () => {
  // incompressible parts (a fixed xorshift sequence), so each flush spans several feeds
  let x = 0x2545f491;
  const noise = (n: number): Buffer =>
    Buffer.from(
      Array.from({ length: n }, () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x & 0xff;
      }),
    );
  const parts = Array.from({ length: 6 }, () => noise(3000));

  it('inflates an unfinished, sync-flushed stream completely', async () => {
    const { stream } = await syncFlushed(parts);
    const r = await inflateLinkStream(stream);
    expect(r.fault).toBeUndefined();
    expect(r.out.equals(Buffer.concat(parts))).toBe(true);
  });

  it('keeps what was inflated before a corrupt byte and names the compressed offset', async () => {
    const { stream, boundaries } = await syncFlushed(parts);
    const bad = Buffer.from(stream);
    const at = boundaries[2] as number;
    bad[at] = 0xff; // a reserved block type: invalid from here on
    bad[at + 1] = 0xff;
    const r = await inflateLinkStream(bad);
    expect(r.fault?.code).toBe(DecodeFaultCode.INFLATE);
    expect(r.fault?.offset).toBeLessThanOrEqual(at);
    // output is kept up to the feed (1 KiB of input) in which zlib failed
    expect(r.out.length).toBeGreaterThanOrEqual(3000 * 3 - 1024);
    expect(r.out.equals(Buffer.concat(parts).subarray(0, r.out.length))).toBe(true);
  });

  it('stops a zip bomb at the output cap', async () => {
    const bomb = deflateSync(Buffer.alloc(10 * 1024 * 1024));
    const r = await inflateLinkStream(bomb, 1024 * 1024);
    expect(r.fault?.code).toBe(DecodeFaultCode.INFLATE_LIMIT);
    expect(r.out.length).toBe(1024 * 1024);
  });

  it('an empty stream inflates to nothing', async () => {
    expect(await inflateLinkStream(Buffer.alloc(0))).toEqual({ out: Buffer.alloc(0) });
  });
});
