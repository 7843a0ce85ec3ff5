/**
 * Every input the fuzzer ever saved (fixtures/fuzz/<target>-<hash>.bin) is replayed
 * against its target's oracle: it must now be refused with a typed error or accepted,
 * and take less than the hang bound.
 */
import { describe, expect, it } from 'vitest';
import { savedFindings } from './lib/corpus.js';
import { runOne } from './lib/engine.js';
import { loadTargets } from './targets/index.js';

const HANG_MS = 100;
const { targets, skipped } = await loadTargets();
const saved = savedFindings();

describe('saved fuzz findings', () => {
  it('every saved fixture names a known target', () => {
    const known = new Set([...targets.map((t) => t.name), ...skipped.map((s) => s.name)]);
    expect(saved.filter((f) => !known.has(f.target)).map((f) => f.file)).toEqual([]);
  });

  const runnable = saved.filter((f) => targets.some((t) => t.name === f.target));
  it.skipIf(runnable.length === 0).each(runnable.map((f) => [f.file, f] as const))('%s', (_file, f) => {
    const target = targets.find((t) => t.name === f.target);
    if (target === undefined) throw new Error(`no target ${f.target}`);
    const c0 = process.cpuUsage();
    const outcome = runOne(target, f.input);
    const c = process.cpuUsage(c0);
    const error = outcome.kind === 'crash' ? String((outcome.error as Error)?.stack ?? outcome.error) : '';
    expect(outcome.kind, error).not.toBe('crash');
    expect((c.user + c.system) / 1000).toBeLessThan(HANG_MS);
  });
});
