import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSimCommand, scenarioFromFlags } from '../../src/cli/commands/sim.js';
import { assertWellFormedXml } from './xml.js';

const flags = {
  routing: 'flood',
  nodes: 300,
  queries: 40,
  ttl: 3,
  seed: 5,
  degree: 4,
  topology: 'regular' as const,
  files: 50,
  replicas: 5,
  rate: 10,
  trace: true,
};

describe('servent sim', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const run = async (args: Record<string, unknown>): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(
      (s: string | Uint8Array) => ((out += String(s)), true),
    );
    vi.spyOn(process.stderr, 'write').mockImplementation(
      (s: string | Uint8Array) => ((err += String(s)), true),
    );
    const code = await runSimCommand(args as unknown as Parameters<typeof runSimCommand>[0]);
    vi.restoreAllMocks();
    return { code, out, err };
  };

  it('builds a scenario from flags', () => {
    const s = scenarioFromFlags({ ...flags, topology: 'powerlaw', degree: 6, churn: 0.5 });
    expect(s).toMatchObject({
      routing: 'flood',
      nodes: 300,
      seed: 5,
      params: { ttl: 3 },
      topology: { kind: 'powerlaw', m: 3 },
      workload: { placement: { kind: 'replicas', files: 50, replicas: 5 }, queries: 40, ratePerSec: 10 },
      churn: { joinPerSec: 0.5, failPerSec: 0.5, repair: true },
    });
  });

  it('prints the table and writes result.json (stable), run-info.json (wall time), the scenario and plots', async () => {
    const a = mkdtempSync(join(tmpdir(), 'sim-a-'));
    const b = mkdtempSync(join(tmpdir(), 'sim-b-'));
    dirs.push(a, b);
    const r1 = await run({ ...flags, out: a });
    expect(r1.code).toBe(0);
    expect(r1.out).toContain('| nodes');
    expect(r1.out).toContain('flood-300-5');
    expect(readdirSync(a).sort()).toEqual([
      'hops.svg',
      'result.json',
      'run-info.json',
      'scenario.json',
      'success-vs-time.svg',
      'table.md',
    ]);
    const r2 = await run({ ...flags, out: b });
    expect(r2.code).toBe(0);
    expect(readFileSync(join(b, 'result.json'), 'utf8')).toBe(readFileSync(join(a, 'result.json'), 'utf8'));
    const info = JSON.parse(readFileSync(join(a, 'run-info.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(info)).toEqual(expect.arrayContaining(['wallMs', 'cpuMs', 'events', 'maxRssMB']));
    const result = JSON.parse(readFileSync(join(a, 'result.json'), 'utf8')) as Record<string, unknown>;
    expect(result).toMatchObject({ routing: 'flood', nodes: 300, seed: 5, lookups: 40 });
    expect(result).not.toHaveProperty('wallMs');
    assertWellFormedXml(readFileSync(join(a, 'hops.svg'), 'utf8'));
  });

  it('bad input is reported on stderr with exit status 2', async () => {
    const r = await run({ ...flags, nodes: 0 });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nodes: must be ≥ 1/);
    const missing = await run({ ...flags, scenario: '/nonexistent/scenario.json' });
    expect(missing.code).toBe(2);
    const unknown = await run({ ...flags, routing: 'carrier-pigeon' });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown back-end');
  });
});
