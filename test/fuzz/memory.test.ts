/**
 * What hostile input leaves behind. The long fuzz run measures memory after a full GC;
 * these are its findings as tests: a stream of descriptors the decoder drops must not
 * leave memory allocated once they are dropped.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/protocol/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** memory outside the JS heap (Buffers included) still held after two full GCs, MiB */
function retainedMiB(): number {
  gc();
  gc();
  return process.memoryUsage().external / 2 ** 20;
}

/** A Ping whose GGEP block has one extension `XX` flagged deflate, carrying `data`. */
function pingWithDeflatedGgep(data: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from([0xc3, 0x80 | 0x20 | 2, 0x58, 0x58, 0x40 | data.length]), data]);
  const header = Buffer.alloc(23);
  header[17] = 1; // TTL 1, type 0x00 (ping)
  header.writeUInt32LE(payload.length, 19);
  return Buffer.concat([header, payload]);
}

const N = 5_000;

function feed(frame: Buffer): { ok: number; dropped: number; grewMiB: number } {
  const before = retainedMiB();
  const dec = new FrameDecoder();
  let ok = 0;
  let dropped = 0;
  for (let i = 0; i < N; i++) {
    for (const r of dec.push(frame)) {
      if (r.ok) ok++;
      else dropped++;
    }
  }
  return { ok, dropped, grewMiB: retainedMiB() - before };
}

describe('memory left behind by dropped descriptors', () => {
  it(`${N} pings with valid compressed GGEP data: nothing retained`, () => {
    const r = feed(pingWithDeflatedGgep(deflateSync(Buffer.alloc(40, 1))));
    expect(r.ok).toBe(N);
    expect(r.grewMiB).toBeLessThan(8);
  });

  // Known open defect: Node 20's zlib.inflateSync retains ~16 KiB per failed call
  // (src/protocol/ggep.ts, qrp-table.ts). `it.fails` keeps this red-to-green marker honest:
  // it must start passing (and this line changed to `it`) once a bounded inflater lands.
  it.fails(`${N} pings with a corrupt zlib stream in GGEP (each dropped): nothing retained`, () => {
    // 34-byte descriptors; each failed inflateSync (Node 20) kept ~16 KiB alive: a peer
    // sending a few MB of these could exhaust our memory
    const corrupt = Buffer.from([0x78, 0x9c, 1, 2, 3, 4]);
    const r = feed(pingWithDeflatedGgep(corrupt));
    expect(r.dropped).toBe(N);
    expect(r.grewMiB, `${r.grewMiB.toFixed(0)} MiB still held after GC`).toBeLessThan(8);
  });
});
