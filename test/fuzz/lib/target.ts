/**
 * What a fuzz target is: seeds to mutate, an optional generator of well-formed inputs
 * (fast-check arbitraries, with a round-trip check), and `run`, which feeds one input to
 * the code under test. The oracle: `run` returns, or throws an error that `expected`
 * accepts (the codec's own typed errors). Anything else — a TypeError, a RangeError, an
 * `OracleViolation` raised by `run` itself (e.g. a decoded message that does not re-encode
 * to its bytes) — is a crash.
 */
import { ProtocolError } from '../../../src/core/errors.js';
import type { MutationHints } from './mutate.js';

/** A broken invariant noticed by a target (not an exception of the code under test). */
export class OracleViolation extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(`${kind}: ${message}`);
    this.name = 'OracleViolation';
    this.kind = kind;
  }
}

export interface GeneratedInput {
  /** the encoded bytes of a well-formed structure */
  readonly input: Buffer;
  /** round-trip check of the structure (throws OracleViolation on a mismatch) */
  readonly check?: () => void;
}

export interface FuzzTarget {
  /** file-name safe, no '-': fixtures are `<name>-<hash>.bin` */
  readonly name: string;
  readonly describe: string;
  /** inputs to start mutating from (captured traffic, hand-written cases) */
  seeds(): Buffer[];
  readonly hints: MutationHints;
  /** `n` well-formed inputs from the target's arbitraries, reproducible from `seed` */
  generate?(seed: number, n: number): GeneratedInput[];
  /** feeds one input to the code under test; must not throw anything but expected errors */
  run(input: Buffer): void;
  /** true for the errors the code under test is allowed to throw */
  expected(e: unknown): boolean;
}

/** The typed error every codec raises: ProtocolError (with a stable string code). */
export function isProtocolError(e: unknown): boolean {
  return e instanceof ProtocolError && typeof e.code === 'string' && e.code.length > 0;
}

export function violation(kind: string, message: string): never {
  throw new OracleViolation(kind, message);
}
