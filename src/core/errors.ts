/**
 * The error catalogue. Every error the servent raises on purpose is a `ServentError`
 * with a stable `code`. Wire errors also say what the connection must do about them.
 */

/** What a receiver does about a wire error. */
export type ErrorAction = 'drop' | 'close';

export class ServentError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServentError';
    this.code = code;
  }
}

/**
 * Malformed or over-limit input from a peer. `action` = `drop`: discard this message and
 * keep the connection; `close`: the stream can no longer be trusted (framing lost, or a
 * cap that protects memory was hit). `offset` is the byte offset in the input, when known.
 */
export class ProtocolError extends ServentError {
  readonly action: ErrorAction;
  readonly offset: number | undefined;
  constructor(code: string, message: string, action: ErrorAction, offset?: number) {
    super(code, message);
    this.name = 'ProtocolError';
    this.action = action;
    this.offset = offset;
  }
}

/** Bad configuration or command-line input: the user can fix it. */
export class ConfigError extends ServentError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'ConfigError';
  }
}

/** A transfer (upload/download) failed: bad source, verification failure, I/O. */
export class TransferError extends ServentError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TransferError';
  }
}

export function isServentError(e: unknown): e is ServentError {
  return e instanceof ServentError;
}

/** Exhaustiveness guard for discriminated unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
