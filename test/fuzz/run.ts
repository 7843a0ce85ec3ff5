/**
 * `npm run fuzz` — the long fuzz run (not part of `npm test`).
 *
 *   npm run fuzz -- [--count N] [--seconds S] [--target frame,chord] [--seed X]
 *                   [--hang-ms 100] [--no-save] [--json FILE]
 *
 * Every target gets N inputs (default 10^6) or S seconds, whichever ends first. The seed
 * is printed; the same seed gives the same inputs. A crash or hang is saved as
 * fixtures/fuzz/<target>-<hash>.bin, which test/fuzz/regressions.test.ts replays.
 * Exit status: 0 nothing found, 1 crashes or hangs found, 2 bad usage.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FUZZ_FIXTURES } from './lib/corpus.js';
import { inputHash, runFuzz, type FuzzFinding, type FuzzReport } from './lib/engine.js';
import { loadTargets } from './targets/index.js';

function usage(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    count: { type: 'string' },
    seconds: { type: 'string' },
    target: { type: 'string' },
    seed: { type: 'string' },
    'hang-ms': { type: 'string' },
    'no-save': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});

const num = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) usage(`--${what} must be a positive number`);
  return n;
};
const count = num(values.count, 'count');
const seconds = num(values.seconds, 'seconds');
const hangMs = num(values['hang-ms'], 'hang-ms') ?? 100;
const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : randomBytes(4).readUInt32LE(0);

const { targets, skipped } = await loadTargets();
const wanted = values.target?.split(',').map((s) => s.trim());
const chosen = wanted === undefined ? targets : targets.filter((t) => wanted.includes(t.name));
if (wanted !== undefined) {
  for (const w of wanted) {
    if (!targets.some((t) => t.name === w) && !skipped.some((s) => s.name === w))
      usage(`unknown target ${w}`);
  }
}

function save(f: FuzzFinding): string | undefined {
  if (values['no-save']) return undefined;
  mkdirSync(FUZZ_FIXTURES, { recursive: true });
  const path = join(FUZZ_FIXTURES, `${f.target}-${inputHash(f.input)}.bin`);
  if (!existsSync(path)) writeFileSync(path, f.input);
  return path;
}

const mb = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
const limit =
  count !== undefined && seconds !== undefined
    ? `${count} inputs or ${seconds} s`
    : seconds !== undefined
      ? `${seconds} s`
      : `${count ?? 1_000_000} inputs`;
process.stdout.write(
  `fuzz: seed ${seed} (replay with --seed ${seed}), ${limit} per target, hang > ${hangMs} ms CPU\n`,
);
for (const s of skipped) process.stdout.write(`fuzz: ${s.name} skipped: ${s.reason}\n`);

const reports: FuzzReport[] = [];
for (const t of chosen) {
  process.stdout.write(`fuzz: ${t.name} — ${t.describe}\n`);
  const started = Date.now();
  const r = runFuzz(t, {
    seed,
    ...(count !== undefined ? { count } : {}),
    ...(seconds !== undefined ? { seconds } : {}),
    hangMs,
    progressEvery: 100_000,
    onProgress: (n) =>
      process.stdout.write(`  ${t.name}: ${n} inputs, ${((Date.now() - started) / 1000).toFixed(0)} s\n`),
    onFinding: (f) => {
      const path = save(f);
      process.stdout.write(
        `  ${f.kind.toUpperCase()} ${f.signature} (input #${f.index}, ${f.input.length} B)${path !== undefined ? ` saved as ${path}` : ''}\n` +
          `    ${f.message.split('\n').slice(0, 6).join('\n    ')}\n`,
      );
    },
  });
  reports.push(r);
  process.stdout.write(
    `  ${t.name}: ${r.inputs} inputs (${r.generated} generated, ${r.mutated} mutated), ${r.refused} refused with typed errors, ` +
      `${r.crashes} crashing inputs (${r.findings.filter((f) => f.kind === 'crash').length} distinct), ${r.hangs} hangs, ` +
      `slowest ${r.slowestMs.toFixed(1)} ms CPU, ${(r.elapsedMs / 1000).toFixed(0)} s, ` +
      `high-water rss ${mb(r.rssHighWater)} heap ${mb(r.heapHighWater)} buffers ${mb(r.buffersHighWater)}` +
      (r.liveHeapHighWater > 0 ? `, live heap after GC ${mb(r.liveHeapHighWater)}` : '') +
      '\n',
  );
}

process.stdout.write(
  `\n| target | inputs | generated | crashes (distinct) | hangs | slowest (ms CPU) | rss high-water | live heap after GC |\n`,
);
process.stdout.write(`|---|---|---|---|---|---|---|---|\n`);
for (const r of reports) {
  const distinct = r.findings.filter((f) => f.kind === 'crash').length;
  process.stdout.write(
    `| ${r.target} | ${r.inputs} | ${r.generated} | ${r.crashes} (${distinct}) | ${r.hangs} | ${r.slowestMs.toFixed(1)} | ${mb(r.rssHighWater)} | ${r.liveHeapHighWater > 0 ? mb(r.liveHeapHighWater) : '—'} |\n`,
  );
}
if (values.json !== undefined) {
  const out = {
    seed,
    skipped,
    reports: reports.map((r) => ({
      ...r,
      findings: r.findings.map((f) => ({ ...f, input: f.input.toString('hex') })),
    })),
  };
  writeFileSync(values.json, JSON.stringify(out, null, 2));
}
process.exitCode = reports.some((r) => r.crashes > 0 || r.hangs > 0) ? 1 : 0;
