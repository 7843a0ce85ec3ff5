/**
 * The short fuzz run that `npm test` includes: 10^4 seeded inputs per target (set
 * FUZZ_COUNT to change it, FUZZ_SEED to try another seed). `npm run fuzz` is the long run.
 * A failure prints the seed, the signature and the input (hex) of each finding.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './lib/engine.js';
import { loadTargets } from './targets/index.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed2024) >>> 0;
const COUNT = Number(process.env['FUZZ_COUNT'] ?? 10_000);
const { targets, skipped } = await loadTargets();

describe(`short fuzz run (seed ${SEED}, ${COUNT} inputs per target)`, () => {
  for (const s of skipped) it.skip(`${s.name}: ${s.reason}`, () => {});

  it.each(targets.map((t) => [t.name, t] as const))(
    '%s: only typed errors, no hang',
    (_name, target) => {
      const r = runFuzz(target, { seed: SEED, count: COUNT });
      const report = r.findings
        .map((f) => `seed ${SEED} ${f.kind} ${f.signature}\n${f.message}\ninput: ${f.input.toString('hex')}`)
        .join('\n\n');
      expect(r.inputs).toBe(COUNT);
      expect(r.crashes, report).toBe(0);
      expect(r.hangs, report).toBe(0);
      // the mix really contains both kinds of input, and mutation reaches the error paths
      if (target.generate !== undefined) expect(r.generated).toBeGreaterThan(COUNT / 10);
      if (target.name !== 'range') expect(r.refused).toBeGreaterThan(COUNT / 20);
    },
    60_000,
  );
});
