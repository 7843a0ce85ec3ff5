/**
 * Wire codec throughput on captured traffic: every descriptor of fixtures/captures (both
 * capture sets: pings, pongs with GGEP, QRP, vendor messages, queries, hits, pushes, byes,
 * HSEP) is decoded and re-encoded in a loop. The baseline, measured in the same run, is a
 * plain `Buffer.copy` of the same frames; the ratio says how many times slower than copying
 * the bytes a full decode+encode is.
 *
 * The cases run in alternation (A B C … A B C …) in short trials so that load from other
 * processes hits them alike; each reports its median and best trial, by wall clock and by
 * CPU time of this process (the two agree on an idle machine; on a shared one the CPU
 * figure is what our one core does).
 *
 *   npm run bench:codec [-- seconds]
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
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

const seconds = Number(process.argv[2] ?? 6);
const TRIAL_MS = 400;
const frames = loadMix();
const bytes = frames.reduce((n, f) => n + f.length, 0);
const messages = frames.map((f) => decodeMessage(f));
const scratch = Buffer.allocUnsafe(Math.max(...frames.map((f) => f.length)));
const stream = Buffer.concat(frames);

interface Case {
  readonly name: string;
  readonly round: () => number;
  /** descriptors per wall-clock second, per trial */
  readonly wall: number[];
  /** descriptors per CPU second of this process, per trial */
  readonly cpu: number[];
}

/** One trial: whole rounds over the mix until `ms` elapsed. */
function trial(c: Case, ms: number): void {
  let rounds = 0;
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    sink += c.round();
    rounds++;
    now = process.hrtime.bigint();
  }
  const used = process.cpuUsage(cpu0);
  if (sink === -1) console.log('unreachable');
  const n = rounds * frames.length;
  c.wall.push(n / (Number(now - start) / 1e9));
  c.cpu.push(n / ((used.user + used.system) / 1e6));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function fmt(n: number, width = 14): string {
  return Math.round(n).toLocaleString('en-US').padStart(width);
}

const cases: Case[] = [
  {
    name: 'Buffer.copy (baseline)',
    round: (): number => {
      let n = 0;
      for (const f of frames) n += f.copy(scratch, 0);
      return n;
    },
  },
  {
    name: 'decode + encode',
    round: (): number => {
      let n = 0;
      for (const f of frames) n += encodeMessage(decodeMessage(f)).length;
      return n;
    },
  },
  {
    name: 'decode only',
    round: (): number => {
      let n = 0;
      for (const f of frames) n += decodeMessage(f).ttl;
      return n;
    },
  },
  {
    name: 'encode only',
    round: (): number => {
      let n = 0;
      for (const m of messages) n += encodeMessage(m).length;
      return n;
    },
  },
  { name: 'FrameDecoder (one chunk)', round: (): number => new FrameDecoder().push(stream).length },
].map((c) => ({ ...c, wall: [], cpu: [] }));

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(
  `mix: ${frames.length} captured descriptors, ${bytes} bytes; ~${seconds} s of ${TRIAL_MS} ms trials`,
);
console.log(`load average before: ${load()} (${cpus().length} CPUs)`);
for (const c of cases) trial(c, 300); // warm-up: let the JIT settle, then forget
for (const c of cases) {
  c.wall.length = 0;
  c.cpu.length = 0;
}
const rounds = Math.max(3, Math.round((seconds * 1000) / (TRIAL_MS * cases.length)));
for (let t = 0; t < rounds; t++) for (const c of cases) trial(c, TRIAL_MS);
console.log(`load average after:  ${load()}`);

const base = cases[0] as Case;
console.log(
  `${''.padEnd(26)}${'wall median/s'.padStart(14)}${'wall best/s'.padStart(14)}${'CPU median/s'.padStart(14)}` +
    '   ratio to Buffer.copy (wall median, CPU median)',
);
for (const c of cases) {
  const rw = median(base.wall) / median(c.wall);
  const rc = median(base.cpu) / median(c.cpu);
  console.log(
    `${c.name.padEnd(26)}${fmt(median(c.wall))}${fmt(Math.max(...c.wall))}${fmt(median(c.cpu))}` +
      `   1 : ${rw.toFixed(1)}, 1 : ${rc.toFixed(1)}`,
  );
}
const codec = cases[1] as Case;
const verdict = (n: number): string => (n >= 1e6 ? 'met' : 'not met');
console.log(
  'goal ≥ 1,000,000 decode+encode descriptors/s on one core: ' +
    `wall median ${verdict(median(codec.wall))}, wall best ${verdict(Math.max(...codec.wall))}, ` +
    `CPU-time median ${verdict(median(codec.cpu))}`,
);
