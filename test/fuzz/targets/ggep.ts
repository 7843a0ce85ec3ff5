/**
 * Target `ggep`: bytes read as a GGEP area (blocks until the next byte is not 0xC3), with
 * COBS and zlib undone inside a per-descriptor inflate budget, and URNs collected from
 * `H`/`u`. Oracle: only ProtocolErrors; a decoded area's `raw` is exactly its bytes; its
 * extensions, rebuilt uncompressed, decode to the same IDs and data. Generation: blocks
 * built by `buildGgep` (compressed, COBS) decode to the extensions they were built from.
 */
import fc from 'fast-check';
import { DEFAULT_CODEC_LIMITS, buildGgep, cobsDecode, cobsEncode } from '../../../src/protocol/index.js';
import type { GgepExtension, GgepExtensionInput } from '../../../src/protocol/index.js';
import { DecodedGgep } from '../../../src/protocol/ggep.js';
import type { GgepDecodeState } from '../../../src/protocol/ggep.js';
import { capturedDescriptors } from '../lib/corpus.js';
import type { FuzzTarget, GeneratedInput } from '../lib/target.js';
import { isProtocolError, violation } from '../lib/target.js';

const HEADER = 23;

function state(): GgepDecodeState {
  return { limits: DEFAULT_CODEC_LIMITS, inflateLeft: DEFAULT_CODEC_LIMITS.maxGgepInflatedBytes };
}

function decode(buf: Buffer): { g: DecodedGgep; urns: string[] } {
  const urns: string[] = [];
  return { g: new DecodedGgep(buf, 0, buf.length, state(), urns), urns };
}

function same(a: readonly GgepExtension[], b: readonly GgepExtension[]): boolean {
  return (
    a.length === b.length &&
    a.every((e, i) => e.id === b[i]?.id && e.data.equals(b[i]?.data ?? Buffer.alloc(0)))
  );
}

function run(input: Buffer): void {
  const { g, urns } = decode(input);
  if (g.end <= 0 || g.end > input.length) violation('end', `area ends at ${g.end} of ${input.length}`);
  if (!g.raw.equals(input.subarray(0, g.end))) violation('raw', 'raw is not the bytes read');
  const exts = g.extensions;
  if (urns.length > DEFAULT_CODEC_LIMITS.maxUrns) violation('urns', `${urns.length} URNs`);
  // the decoded content, rebuilt without compression, must read back the same
  const rebuilt = buildGgep(exts.map((e) => ({ id: e.id, data: e.data })));
  const raw = rebuilt.raw ?? Buffer.alloc(0);
  let again: DecodedGgep;
  try {
    again = decode(raw).g;
  } catch (e) {
    violation('rebuild-refused', (e as Error).message);
  }
  if (!same(again.extensions, exts)) violation('rebuild', 'rebuilt extensions differ');
}

const id = fc
  .uint8Array({ minLength: 1, maxLength: 15 })
  .map((b) => Buffer.from(b.map((x) => (x === 0 ? 0x41 : x))).toString('latin1'));
const ext = fc.record({
  id,
  data: fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc.integer({ min: 0, max: 3000 }).map((n) => new Uint8Array(n)), // compressible
  ),
  compress: fc.boolean(),
});
const blockArb = fc.record({ exts: fc.array(ext, { minLength: 1, maxLength: 6 }), cobs: fc.boolean() });

function generate(seed: number, n: number): GeneratedInput[] {
  return fc.sample(blockArb, { seed, numRuns: n }).map(({ exts, cobs }) => {
    const inputs: GgepExtensionInput[] = exts.map((e) => ({ id: e.id, data: e.data, compress: e.compress }));
    const block = buildGgep(inputs, { cobs });
    const input = block.raw ?? Buffer.alloc(0);
    return {
      input,
      check: () => {
        let g: DecodedGgep;
        try {
          g = decode(input).g;
        } catch (e) {
          violation('valid-refused', (e as Error).message);
        }
        const want = exts.map((e) => ({ id: e.id, data: Buffer.from(e.data) }));
        if (g.end !== input.length || !same(g.extensions, want))
          violation('roundtrip', 'GGEP block does not round-trip');
        for (const e of exts) {
          const d = Buffer.from(e.data);
          if (!cobsDecode(cobsEncode(d)).equals(d)) violation('cobs', 'COBS does not round-trip');
        }
      },
    };
  });
}

function seeds(): Buffer[] {
  const out: Buffer[] = [];
  for (const d of capturedDescriptors()) {
    for (let at = d.indexOf(0xc3, HEADER); at >= 0; at = d.indexOf(0xc3, at + 1)) out.push(d.subarray(at));
  }
  out.push(
    buildGgep([{ id: 'DU', data: Buffer.alloc(2000), compress: true }]).raw ?? Buffer.alloc(0),
    buildGgep([{ id: 'H', data: Buffer.concat([Buffer.from([1]), Buffer.alloc(20, 7)]) }], { cobs: true })
      .raw ?? Buffer.alloc(0),
    buildGgep([{ id: 'u', data: Buffer.from('sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') }]).raw ??
      Buffer.alloc(0),
  );
  return out;
}

export const ggepTarget: FuzzTarget = {
  name: 'ggep',
  describe:
    'GGEP areas: structure, COBS, zlib within the inflate budget, URNs (seeded from captured GGEP blocks)',
  seeds,
  hints: {
    maxBytes: 8192,
    lengthOffsets: [
      { at: 1, width: 1, le: true }, // flags of the first extension
      { at: 3, width: 1, le: true }, // length byte after a 1-byte ID
      { at: 4, width: 1, le: true },
    ],
  },
  generate,
  run,
  expected: isProtocolError,
};
