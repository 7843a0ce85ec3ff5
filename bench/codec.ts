/**
 * Wire codec throughput on captured traffic: every descriptor of fixtures/captures (both
 * capture sets: pings, pongs with GGEP, QRP, vendor messages, queries, hits, pushes, byes,
 * HSEP) is decoded and re-encoded in a loop for a few seconds. The baseline, measured in
 * the same run, is a plain `Buffer.copy` of the same frames: the ratio says how many
 * times slower than copying the bytes a full decode+encode is.
 *
 *   npm run bench:codec [-- seconds]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameDecoder, decodeMessage, encodeMessage } from '../src/protocol/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/captures');

function loadMix(): Buffer[] {
  const frames: Buffer[] = [];
  const bun = JSON.parse(readFileSync(join(root, 'gnutella-bun-client/index.json'), 'utf8')) as {
    file: string;
  }[];
  for (const e of bun) frames.push(readFileSync(join(root, 'gnutella-bun-client', e.file)));
  const gtkDir = join(root, 'gtk-gnutella/s1-ultra-plain');
  const gtk = JSON.parse(readFileSync(join(gtkDir, 'index.json'), 'utf8')) as {
    items: { kind: string; file: string }[];
  };
  for (const e of gtk.items) if (e.kind === 'descriptor') frames.push(readFileSync(join(gtkDir, e.file)));
  return frames;
}

const seconds = Number(process.argv[2] ?? 3);
const frames = loadMix();
const bytes = frames.reduce((n, f) => n + f.length, 0);

function measure(name: string, round: () => number): number {
  // warm up so the JIT has settled before timing
  const warmEnd = process.hrtime.bigint() + 500_000_000n;
  while (process.hrtime.bigint() < warmEnd) round();
  let rounds = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    sink += round();
    rounds++;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  const rate = (rounds * frames.length) / elapsed;
  const mbps = (rounds * bytes) / elapsed / 1e6;
  console.log(
    `${name.padEnd(28)} ${Math.round(rate).toLocaleString('en-US').padStart(13)} descriptors/s` +
      `  ${mbps.toFixed(1).padStart(8)} MB/s  (${rounds} rounds, sink ${sink % 1000})`,
  );
  return rate;
}

const scratch = Buffer.allocUnsafe(Math.max(...frames.map((f) => f.length)));
const stream = Buffer.concat(frames);

console.log(`mix: ${frames.length} captured descriptors, ${bytes} bytes; ${seconds} s per measurement`);
const baseline = measure('Buffer.copy (baseline)', () => {
  let n = 0;
  for (const f of frames) n += f.copy(scratch, 0);
  return n;
});
const codec = measure('decode + encode', () => {
  let n = 0;
  for (const f of frames) n += encodeMessage(decodeMessage(f)).length;
  return n;
});
const decodeOnly = measure('decode only', () => {
  let n = 0;
  for (const f of frames) n += decodeMessage(f).ttl;
  return n;
});
const framed = measure('FrameDecoder (1 chunk)', () => {
  const d = new FrameDecoder();
  return d.push(stream).length;
});
console.log(`ratio decode+encode / Buffer.copy: 1 : ${(baseline / codec).toFixed(1)}`);
console.log(`ratio decode only   / Buffer.copy: 1 : ${(baseline / decodeOnly).toFixed(1)}`);
console.log(`ratio FrameDecoder  / Buffer.copy: 1 : ${(baseline / framed).toFixed(1)}`);
console.log(`goal >= 1,000,000 decode+encode descriptors/s: ${codec >= 1e6 ? 'met' : 'NOT met'}`);
