/**
 * The fuzz harness itself: the oracle tells typed errors from crashes, a CPU-bound input is
 * a hang, a seed reproduces a run, and the mutators stay inside their bounds.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import { inputHash, runFuzz, runOne, signatureOf } from './lib/engine.js';
import { MUTATION_OPERATORS, mutate, mutateOnce } from './lib/mutate.js';
import type { FuzzTarget } from './lib/target.js';
import { isProtocolError, violation } from './lib/target.js';

function toy(run: (b: Buffer) => void, extra: Partial<FuzzTarget> = {}): FuzzTarget {
  return {
    name: 'toy',
    describe: 'toy',
    seeds: () => [Buffer.from('hello, fuzzing world')],
    hints: { maxBytes: 64 },
    run,
    expected: isProtocolError,
    ...extra,
  };
}

const picky = toy((b) => {
  if (b.length < 8) throw new ProtocolError('E_SHORT', 'short', 'drop');
  if (b.includes(0x00)) throw new TypeError('NUL byte reached an unchecked path');
});

describe('oracle', () => {
  it('typed errors are refusals, anything else and oracle violations are crashes', () => {
    expect(runOne(picky, Buffer.from('ab')).kind).toBe('refused');
    expect(runOne(picky, Buffer.from('abcdefgh')).kind).toBe('ok');
    expect(runOne(picky, Buffer.from('abcdefgh\0')).kind).toBe('crash');
    const lying = toy(() => violation('roundtrip', 'differs'), { expected: () => true });
    expect(runOne(lying, Buffer.from('x')).kind).toBe('crash');
  });

  it('finds the crash, saves its first input once per signature, counts every crashing input', () => {
    const found: Buffer[] = [];
    const r = runFuzz(picky, { seed: 1, count: 3000, onFinding: (f) => found.push(f.input) });
    expect(r.crashes).toBeGreaterThan(1);
    expect(r.findings).toHaveLength(1);
    expect(found).toHaveLength(1);
    expect(found[0]?.includes(0)).toBe(true);
    expect(r.findings[0]?.signature).toMatch(/^TypeError:@engine\.test\.ts:\d+$/);
    expect(r.refused).toBeGreaterThan(0);
  });

  it('an input that burns more than the bound of CPU three times is a hang', () => {
    const spin = (ms: number): void => {
      const c0 = process.cpuUsage();
      for (;;) {
        const c = process.cpuUsage(c0);
        if (c.user + c.system > ms * 1000) return;
      }
    };
    const slow = toy((b) => spin(b.toString() === 'slow' ? 60 : 0), {
      generate: (_seed, n) => Array.from({ length: n }, () => ({ input: Buffer.from('slow') })),
    });
    const r = runFuzz(slow, { seed: 1, count: 1, hangMs: 40, generatedShare: 1 });
    expect(r.hangs).toBe(1);
    expect(r.findings[0]?.kind).toBe('hang');
    const fast = runFuzz(slow, { seed: 1, count: 200, hangMs: 40, generatedShare: 0 });
    expect(fast.hangs).toBe(0);
  });

  it('a failed round-trip check of a generated input is a crash', () => {
    const t = toy(() => {}, {
      generate: (_seed, n) =>
        Array.from({ length: n }, (_, i) => ({
          input: Buffer.from([i]),
          check: () => {
            if (i === 3) violation('roundtrip', 'item 3 differs');
          },
        })),
    });
    const r = runFuzz(t, { seed: 9, count: 50, generatedShare: 1 });
    expect(r.crashes).toBe(1);
    expect(r.findings[0]?.signature).toMatch(/^OracleViolation:roundtrip@/);
  });

  it('signatures name the error class, code and source line', () => {
    expect(signatureOf(new ProtocolError('E_X', 'x', 'drop'))).toMatch(
      /^ProtocolError:E_X@engine\.test\.ts:\d+$/,
    );
    expect(signatureOf('a string')).toBe('non-error:string');
  });
});

describe('determinism', () => {
  const trace = (seed: number): string => {
    const h = createHash('sha1');
    const t = toy((b) => void h.update(b), {
      generate: (s, n) => Array.from({ length: n }, (_, i) => ({ input: Buffer.from(`${s}:${i}`) })),
    });
    runFuzz(t, { seed, count: 2000 });
    return h.digest('hex');
  };

  it('the same seed gives the same inputs; another seed, others', () => {
    expect(trace(42)).toBe(trace(42));
    expect(trace(42)).not.toBe(trace(43));
  });

  it('input hashes are stable file-name parts', () => {
    expect(inputHash(Buffer.from('abc'))).toBe('a9993e364706816a');
  });
});

describe('mutators', () => {
  const base = Buffer.from('GNUTELLA CONNECT/0.6\r\nUser-Agent: x\r\n\r\n');
  const corpus = [base, Buffer.from([0xc3, 0x82, 0x41, 0x42, 0x43])];

  it('every operator changes inputs, and none grows past maxBytes', () => {
    const rng = createRng(5);
    for (const op of MUTATION_OPERATORS) {
      let changed = 0;
      for (let i = 0; i < 200; i++) {
        const out = mutateOnce(rng, base, corpus, { maxBytes: 64, dictionary: [Buffer.from('\r\n')] }, op);
        if (!out.equals(base)) changed++;
      }
      expect(changed, op).toBeGreaterThan(50);
    }
    for (let i = 0; i < 2000; i++)
      expect(mutate(rng, base, corpus, { maxBytes: 48 }).length).toBeLessThanOrEqual(48);
  });

  it('length tweaks favour the hinted fields', () => {
    const rng = createRng(11);
    const frame = Buffer.alloc(40);
    frame.writeUInt32LE(17, 19);
    let hinted = 0;
    for (let i = 0; i < 300; i++) {
      const out = mutateOnce(
        rng,
        frame,
        [],
        { maxBytes: 64, lengthOffsets: [{ at: 19, width: 4, le: true }] },
        'length',
      );
      if (out.readUInt32LE(19) !== 17) hinted++;
    }
    expect(hinted).toBeGreaterThan(150);
  });
});
