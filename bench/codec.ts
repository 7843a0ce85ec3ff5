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

interface Case {
  readonly name: string;
  readonly round: () => number;
  best: number;
  rates: number[];
}

/** One timed trial of `c`: rounds until `ms` elapsed; returns descriptors/s. */
function trial(c: Case, ms: number): number {
  let rounds = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    sink += c.round();
    rounds++;
    now = process.hrtime.bigint();
  }
  if (sink === -1) console.log('unreachable');
  return (rounds * frames.length) / (Number(now - start) / 1e9);
}

/**
 * The cases run in alternation (A B C A B C …) in short trials, so that load from other
 * processes hits all of them alike; each reports its median and best trial.
 */
function measure(cases: Case[]): void {
  for (const c of cases) trial(c, 300); // warm-up: let the JIT settle
  const trials = Math.max(3, Math.round((seconds * 1000) / 400));
  for (let t = 0; t < trials; t++) {
    for (const c of cases) {
      const r = trial(c, 400);
      c.rates.push(r);
      c.best = Math.max(c.best, r);
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(12);
}

const scratch = Buffer.allocUnsafe(Math.max(...frames.map((f) => f.length)));
const stream = Buffer.concat(frames);

const messages = frames.map((f) => decodeMessage(f));
const cases: Case[] = [
  {
    name: 'Buffer.copy (baseline)',
    round: () => {
      let n = 0;
      for (const f of frames) n += f.copy(scratch, 0);
      return n;
    },
  },
  {
    name: 'decode + encode',
    round: () => {
      let n = 0;
      for (const f of frames) n += encodeMessage(decodeMessage(f)).length;
      return n;
    },
  },
  {
    name: 'decode only',
    round: () => {
      let n = 0;
      for (const f of frames) n += decodeMessage(f).ttl;
      return n;
    },
  },
  {
    name: 'encode only',
    round: () => {
      let n = 0;
      for (const m of messages) n += encodeMessage(m).length;
      return n;
    },
  },
  {
    name: 'FrameDecoder (one chunk)',
    round: () => new FrameDecoder().push(stream).length,
  },
].map((c) => ({ ...c, best: 0, rates: [] }));

console.log(
  `mix: ${frames.length} captured descriptors, ${bytes} bytes; ~${seconds} s of alternating 0.4 s trials`,
);
measure(cases);
const base = cases[0] as Case;
console.log(
  `${''.padEnd(26)} ${'median/s'.padStart(12)} ${'best/s'.padStart(12)}   ratio to Buffer.copy (median)`,
);
for (const c of cases) {
  const ratio = median(base.rates) / median(c.rates);
  console.log(`${c.name.padEnd(26)} ${fmt(median(c.rates))} ${fmt(c.best)}   1 : ${ratio.toFixed(1)}`);
}
const codec = cases[1] as Case;
console.log(
  `goal >= 1,000,000 decode+encode descriptors/s on one core: median ${median(codec.rates) >= 1e6 ? 'met' : 'not met'}, best ${codec.best >= 1e6 ? 'met' : 'not met'}`,
);
