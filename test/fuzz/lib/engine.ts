/**
 * The fuzz loop. One seed drives everything: which inputs are generated, which are
 * mutated from which corpus entry, and how. Each input runs synchronously and its CPU time
 * is measured; over `hangMs` it is run twice more and called a hang when even the fastest
 * run is over (a single slow run is a GC pause or a hiccup, not a hang).
 */
import { createHash } from 'node:crypto';
import { createRng } from '../../../src/core/rng.js';
import type { Rng } from '../../../src/core/rng.js';
import { mutate } from './mutate.js';
import type { FuzzTarget, GeneratedInput } from './target.js';
import { OracleViolation } from './target.js';

export interface FuzzOptions {
  readonly seed: number;
  /** inputs to try (default 10^6 unless `seconds` is given) */
  readonly count?: number;
  /** stop after this many seconds (whichever of count and seconds comes first) */
  readonly seconds?: number;
  /** one input taking longer than this is a hang (default 100 ms) */
  readonly hangMs?: number;
  /** share of inputs taken from the generator when the target has one (default 0.2) */
  readonly generatedShare?: number;
  /** called for each new finding (first input of each signature) */
  readonly onFinding?: (f: FuzzFinding) => void;
  /** called every `progressEvery` inputs */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
}

export interface FuzzFinding {
  readonly kind: 'crash' | 'hang';
  readonly target: string;
  readonly input: Buffer;
  /** error class + code + where it was thrown (or the hang's target) */
  readonly signature: string;
  readonly message: string;
  readonly ms: number;
  /** position of the input in the run */
  readonly index: number;
}

export interface FuzzReport {
  readonly target: string;
  readonly seed: number;
  readonly inputs: number;
  readonly generated: number;
  readonly mutated: number;
  /** inputs that crashed (all of them), and distinct signatures in `findings` */
  readonly crashes: number;
  readonly hangs: number;
  readonly findings: readonly FuzzFinding[];
  /** inputs refused with an expected typed error */
  readonly refused: number;
  /** CPU time of the slowest input (the fastest of its three runs when it was re-run) */
  readonly slowestMs: number;
  readonly elapsedMs: number;
  /** process high-water marks sampled during the run (bytes) */
  readonly rssHighWater: number;
  readonly heapHighWater: number;
  /** memory outside the JS heap (Buffers included) */
  readonly buffersHighWater: number;
  /**
   * heap still in use right after a full GC, highest seen (bytes): what inputs leave
   * behind. Only measured when node runs with --expose-gc (npm run fuzz does); else 0.
   */
  readonly liveHeapHighWater: number;
  /** memory outside the JS heap (Buffers included) right after a full GC, highest seen (bytes); 0 without --expose-gc */
  readonly liveBuffersHighWater: number;
}

export type RunOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'refused'; readonly error: unknown }
  | { readonly kind: 'crash'; readonly error: unknown };

/** Runs one input against the oracle: returns, throws an expected error, or crashes. */
export function runOne(target: FuzzTarget, input: Buffer): RunOutcome {
  try {
    target.run(input);
    return { kind: 'ok' };
  } catch (e) {
    if (!(e instanceof OracleViolation) && target.expected(e)) return { kind: 'refused', error: e };
    return { kind: 'crash', error: e };
  }
}

/** error class, code, and the first stack frame inside src/ (or anywhere) */
export function signatureOf(e: unknown): string {
  if (!(e instanceof Error)) return `non-error:${typeof e}`;
  const code = (e as { code?: unknown }).code;
  const kind = e instanceof OracleViolation ? e.kind : String(code ?? '');
  const frames = (e.stack ?? '').split('\n').slice(1);
  const inSrc = frames.find((f) => f.includes('/src/')) ?? frames[0] ?? '';
  const where = /([\w.-]+\.ts):(\d+)/.exec(inSrc);
  return `${e.name}:${kind}@${where !== null ? `${where[1]}:${where[2]}` : '?'}`;
}

export function inputHash(input: Buffer): string {
  return createHash('sha1').update(input).digest('hex').slice(0, 16);
}

function elapsedMs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * CPU time of one run (user + system, whole process). Wall-clock time would call an input
 * slow whenever the shared machine did not schedule us; a real hang burns CPU.
 */
function timed(target: FuzzTarget, input: Buffer): { outcome: RunOutcome; ms: number } {
  const c0 = process.cpuUsage();
  const outcome = runOne(target, input);
  const c = process.cpuUsage(c0);
  return { outcome, ms: (c.user + c.system) / 1000 };
}

export function runFuzz(target: FuzzTarget, opts: FuzzOptions): FuzzReport {
  const rng: Rng = createRng(opts.seed ^ nameSeed(target.name));
  const count = opts.count ?? (opts.seconds !== undefined ? Number.POSITIVE_INFINITY : 1_000_000);
  const deadline = opts.seconds !== undefined ? Date.now() + opts.seconds * 1000 : Number.POSITIVE_INFINITY;
  const hangMs = opts.hangMs ?? 100;
  const share = target.generate !== undefined ? (opts.generatedShare ?? 0.2) : 0;
  const seeds = target.seeds();
  // corpus = seeds + a ring of recent generated inputs (for splicing and as bases)
  const ring: Buffer[] = [];
  const RING = 512;
  let ringAt = 0;
  const pool = (): Buffer[] => (ring.length > 0 ? seeds.concat(ring) : seeds);
  let batch: GeneratedInput[] = [];
  let batchAt = 0;

  const seen = new Map<string, FuzzFinding>();
  let inputs = 0;
  let generated = 0;
  let crashes = 0;
  let hangs = 0;
  let refused = 0;
  let slowest = 0;
  let rss = 0;
  let heap = 0;
  let buffers = 0;
  let live = 0;
  let liveBuffers = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const sampleLive = (): void => {
    if (gc === undefined) return;
    gc();
    const m = process.memoryUsage();
    live = Math.max(live, m.heapUsed);
    liveBuffers = Math.max(liveBuffers, m.external);
  };
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
    buffers = Math.max(buffers, m.external);
  };
  const record = (kind: 'crash' | 'hang', input: Buffer, e: unknown, ms: number): void => {
    const signature = kind === 'hang' ? `hang@${target.name}` : signatureOf(e);
    if (kind === 'crash') crashes++;
    else hangs++;
    if (seen.has(signature)) return;
    const message = kind === 'hang' ? `input took ${ms.toFixed(1)} ms` : String((e as Error)?.stack ?? e);
    const f: FuzzFinding = { kind, target: target.name, input, signature, message, ms, index: inputs };
    seen.set(signature, f);
    opts.onFinding?.(f);
  };

  const t0 = process.hrtime.bigint();
  sample();
  while (inputs < count) {
    if ((inputs & 63) === 0 && Date.now() >= deadline) break;
    let input: Buffer;
    let g: GeneratedInput | undefined;
    if (share > 0 && rng.float() < share) {
      if (batchAt >= batch.length) {
        batch = target.generate?.(rng.uint32(), 256) ?? [];
        batchAt = 0;
      }
      g = batch[batchAt++];
    }
    if (g !== undefined) {
      input = g.input;
      generated++;
      if (g.check !== undefined) {
        try {
          g.check();
        } catch (e) {
          record('crash', input, e, 0);
        }
      }
      if (ring.length < RING) ring.push(input);
      else ring[ringAt++ % RING] = input;
    } else {
      const corpus = pool();
      const base = corpus[rng.int(corpus.length)] as Buffer;
      input = mutate(rng, base, corpus, target.hints);
    }
    inputs++;
    const first = timed(target, input);
    const outcome = first.outcome;
    let ms = first.ms;
    if (ms > hangMs) {
      // confirm: the fastest of three runs decides
      for (let k = 0; k < 2 && ms > hangMs; k++) ms = Math.min(ms, timed(target, input).ms);
    }
    slowest = Math.max(slowest, ms);
    if (outcome.kind === 'crash') record('crash', input, outcome.error, ms);
    else if (outcome.kind === 'refused') refused++;
    if (ms > hangMs) record('hang', input, undefined, ms);
    if ((inputs & 1023) === 0) sample();
    if (inputs % 50_000 === 0) sampleLive();
    if (opts.onProgress !== undefined && inputs % (opts.progressEvery ?? 100_000) === 0)
      opts.onProgress(inputs);
  }
  sample();
  sampleLive();
  return {
    target: target.name,
    seed: opts.seed,
    inputs,
    generated,
    mutated: inputs - generated,
    crashes,
    hangs,
    findings: [...seen.values()],
    refused,
    slowestMs: slowest,
    elapsedMs: elapsedMs(t0),
    rssHighWater: rss,
    heapHighWater: heap,
    buffersHighWater: buffers,
    liveHeapHighWater: live,
    liveBuffersHighWater: liveBuffers,
  };
}

/** a stable number per target name, so targets of one run get different streams */
function nameSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
