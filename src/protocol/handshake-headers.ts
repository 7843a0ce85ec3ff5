/**
 * Gnutella 0.6 handshake headers (RFC 822 style, wire §2.2): names are case-insensitive,
 * a repeated header means one header whose values are joined with ", ", and unknown
 * headers are kept and ignored. Lines are stored in the order they were received or
 * added, so a block re-emits exactly as it was read.
 */
import { ServentError } from '../core/errors.js';

/** Header lines as `[name, value]` pairs, or another collection. */
export type HeaderInit = HandshakeHeaders | Iterable<readonly [string, string]>;

/** RFC 7230 token characters: what we are willing to write as a header name. */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A value we write must not be able to end the line or the block early. */
const UNSAFE_VALUE_RE = /[\r\n\0]/;

export class HandshakeHeaders {
  readonly #lines: Array<readonly [string, string]> = [];

  constructor(init?: HeaderInit) {
    if (init === undefined) return;
    const source = init instanceof HandshakeHeaders ? init.lines() : init;
    for (const [name, value] of source) this.append(name, value);
  }

  /** A copy (or a wrap of pairs): never shares storage with `init`. */
  static from(init: HeaderInit): HandshakeHeaders {
    return new HandshakeHeaders(init);
  }

  /**
   * Adds a line without validation. Only the parser uses this: it has already checked
   * that the name has no ':' or whitespace and that the value has no control bytes.
   * @internal
   */
  static fromParsedLines(lines: ReadonlyArray<readonly [string, string]>): HandshakeHeaders {
    const h = new HandshakeHeaders();
    for (const l of lines) h.#lines.push(l);
    return h;
  }

  /** All values of `name` joined with ", " (the RFC 822 reading), or undefined. */
  get(name: string): string | undefined {
    const all = this.getAll(name);
    return all.length === 0 ? undefined : all.join(', ');
  }

  /** Each line's value for `name`, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    for (const [n, v] of this.#lines) if (n.toLowerCase() === key) out.push(v);
    return out;
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.#lines.some(([n]) => n.toLowerCase() === key);
  }

  /** Adds one line. Throws on a name or value that would corrupt the block. */
  append(name: string, value: string): this {
    checkWritable(name, value);
    this.#lines.push([name, value.trim()]);
    return this;
  }

  /** Replaces every line of `name` by one line, at the position of the first one. */
  set(name: string, value: string): this {
    checkWritable(name, value);
    const key = name.toLowerCase();
    const at = this.#lines.findIndex(([n]) => n.toLowerCase() === key);
    this.delete(name);
    const line = [name, value.trim()] as const;
    if (at < 0) this.#lines.push(line);
    else this.#lines.splice(at, 0, line);
    return this;
  }

  delete(name: string): this {
    const key = name.toLowerCase();
    for (let i = this.#lines.length - 1; i >= 0; i--) {
      const line = this.#lines[i];
      if (line !== undefined && line[0].toLowerCase() === key) this.#lines.splice(i, 1);
    }
    return this;
  }

  /** Copies every line of `other`, replacing the headers of the same names. */
  override(other: HandshakeHeaders): this {
    for (const name of other.names()) this.delete(name);
    for (const [n, v] of other.lines()) this.#lines.push([n, v]);
    return this;
  }

  /** The lines as received/added, in order (repeated names stay separate). */
  lines(): ReadonlyArray<readonly [string, string]> {
    return this.#lines.slice();
  }

  /** Distinct names in order of first appearance, spelled as first seen. */
  names(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const [n] of this.#lines) {
      const key = n.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(n);
    }
    return out;
  }

  /** One `[name, joined value]` per distinct name, in order of first appearance. */
  entries(): Array<[string, string]> {
    return this.names().map((n) => [n, this.get(n) as string]);
  }

  get size(): number {
    return this.#lines.length;
  }

  /**
   * True when the header's value is `True` (case-insensitive). Used for
   * X-Ultrapeer, X-Ultrapeer-Needed and the like.
   */
  isTrue(name: string): boolean {
    return this.get(name)?.trim().toLowerCase() === 'true';
  }

  /** True when the header's value is `False` (case-insensitive). */
  isFalse(name: string): boolean {
    return this.get(name)?.trim().toLowerCase() === 'false';
  }

  /**
   * True when the comma list of `name` holds `token` (case-insensitive; parameters such
   * as `;q=0.5` are ignored). `Accept-Encoding: gzip, deflate` has `deflate`.
   */
  hasToken(name: string, token: string): boolean {
    const want = token.toLowerCase();
    const value = this.get(name);
    if (value === undefined) return false;
    return value.split(',').some((item) => (item.split(';')[0] ?? '').trim().toLowerCase() === want);
  }

  toJSON(): Array<[string, string]> {
    return this.#lines.map(([n, v]) => [n, v]);
  }
}

function checkWritable(name: string, value: string): void {
  if (!TOKEN_RE.test(name)) {
    throw new ServentError(
      'HANDSHAKE_INVALID_HEADER',
      `invalid handshake header name ${JSON.stringify(name)}`,
    );
  }
  if (UNSAFE_VALUE_RE.test(value)) {
    throw new ServentError(
      'HANDSHAKE_INVALID_HEADER',
      `handshake header ${name} has a CR, LF or NUL in its value`,
    );
  }
}
