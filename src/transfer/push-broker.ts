/**
 * Push → GIV, the downloader's side. A firewalled holder cannot be dialled; we send it a
 * Push over the overlay and it connects to our listening port and writes
 *
 *     GIV <index>:<32 hex servent ID>/<file name>\n\n
 *
 * (bare LFs on the wire; CR LF tolerated). We are then the TCP server but the HTTP
 * client: the waiting download takes the socket and sends its GET on it. Index and name
 * are informational; the servent ID alone matches a GIV to the download expecting it.
 */
import type { Duplex } from 'node:stream';
import type { Clock, TimerHandle } from '../core/clock.js';
import { ProtocolError, TransferError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { StreamReader } from './download/stream-reader.js';

/** Longest GIV line plus its blank line, in bytes. */
export const MAX_GIV_BYTES = 1024;

export interface Giv {
  readonly index: number;
  /** 32 lowercase hex chars */
  readonly serventId: string;
  readonly name: string;
}

export type GivParse = { kind: 'need-more' } | { kind: 'giv'; giv: Giv; consumed: number };

const PREFIX = 'GIV ';
const LF = 0x0a;
const GIV_RE = /^GIV (\d{1,10}):([0-9a-fA-F]{32})(?:\/(.*))?$/;

/**
 * Parses a GIV at the start of `buf`. Throws ProtocolError E_GIV_BAD on anything that is
 * not a GIV, E_GIV_TOO_LONG past `maxBytes` without the terminating blank line.
 */
export function parseGiv(buf: Uint8Array, maxBytes = MAX_GIV_BYTES): GivParse {
  const head = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, PREFIX.length)).toString(
    'latin1',
  );
  if (!PREFIX.startsWith(head) && !head.startsWith(PREFIX)) {
    throw new ProtocolError('E_GIV_BAD', 'connection does not start with GIV', 'close', 0);
  }
  const lf = buf.indexOf(LF);
  if (lf < 0) {
    if (buf.length > maxBytes)
      throw new ProtocolError('E_GIV_TOO_LONG', `GIV line longer than ${maxBytes} bytes`, 'close');
    return { kind: 'need-more' };
  }
  // the blank line after the GIV line: LF, or CR LF
  let end: number;
  if (buf.length > lf + 1 && buf[lf + 1] === LF) end = lf + 2;
  else if (buf.length > lf + 2 && buf[lf + 1] === 0x0d && buf[lf + 2] === LF) end = lf + 3;
  else if (buf.length <= lf + 1 || (buf.length === lf + 2 && buf[lf + 1] === 0x0d)) {
    if (lf + 3 > maxBytes)
      throw new ProtocolError('E_GIV_TOO_LONG', `GIV longer than ${maxBytes} bytes`, 'close');
    return { kind: 'need-more' };
  } else throw new ProtocolError('E_GIV_BAD', 'GIV line not followed by a blank line', 'close', lf + 1);
  if (end > maxBytes) throw new ProtocolError('E_GIV_TOO_LONG', `GIV longer than ${maxBytes} bytes`, 'close');
  let lineEnd = lf;
  if (lineEnd > 0 && buf[lineEnd - 1] === 0x0d) lineEnd -= 1;
  const line = Buffer.from(buf.buffer, buf.byteOffset, lineEnd).toString('latin1');
  const m = GIV_RE.exec(line);
  if (m === null)
    throw new ProtocolError('E_GIV_BAD', `malformed GIV line: ${line.slice(0, 80)}`, 'close', 0);
  const index = Number(m[1]);
  if (index > 0xffffffff) throw new ProtocolError('E_GIV_BAD', 'GIV file index out of range', 'close', 4);
  let name = m[3] ?? '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // keep it raw: the name is informational only
  }
  return { kind: 'giv', giv: { index, serventId: (m[2] ?? '').toLowerCase(), name }, consumed: end };
}

export interface PushBrokerOptions {
  clock: Clock;
  log: Logger;
  /** cap on the GIV line plus blank line (default 1024) */
  maxGivBytes?: number;
  /** time allowed for the rest of the GIV after the listener hands the socket over (default 10 s) */
  givReadTimeoutMs?: number;
  /** default wait for a GIV after sending a Push (default 20 s) */
  defaultTimeoutMs?: number;
  /** downloads waiting for a GIV at once (default 256) */
  maxWaiters?: number;
}

export type GivOutcome = { ok: true; giv: Giv } | { ok: false; error: ProtocolError | TransferError };

interface Waiter {
  resolve(socket: Duplex): void;
  reject(err: Error): void;
}

const HEX32_RE = /^[0-9a-fA-F]{32}$/;

export class PushBroker {
  private readonly waiters = new Map<string, Waiter[]>();
  private count = 0;
  private closed = false;

  constructor(private readonly opts: PushBrokerOptions) {}

  /**
   * Waits for a GIV from the servent `serventIdHex` (any case) and resolves with its socket,
   * positioned just after the GIV. Rejects with E_PUSH_TIMEOUT, E_ABORTED (signal),
   * E_PUSH_TOO_MANY (too many waiters) or E_PUSH_CLOSED (broker closed).
   */
  expect(serventIdHex: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Duplex> {
    if (!HEX32_RE.test(serventIdHex))
      return Promise.reject(new TransferError('E_BAD_SERVENT_ID', 'servent ID must be 32 hex chars'));
    if (this.closed) return Promise.reject(new TransferError('E_PUSH_CLOSED', 'push broker closed'));
    if (this.count >= (this.opts.maxWaiters ?? 256)) {
      return Promise.reject(new TransferError('E_PUSH_TOO_MANY', 'too many downloads waiting for a GIV'));
    }
    const id = serventIdHex.toLowerCase();
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? 20_000;
    return new Promise<Duplex>((resolve, reject) => {
      const onAbort = (): void =>
        settle(() => reject(new TransferError('E_ABORTED', 'stopped waiting for GIV')));
      const waiter: Waiter = {
        resolve: (s) => settle(() => resolve(s)),
        reject: (e) => settle(() => reject(e)),
      };
      const settle = (fn: () => void): void => {
        if (!this.remove(id, waiter)) return;
        this.opts.clock.clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const list = this.waiters.get(id) ?? [];
      list.push(waiter);
      this.waiters.set(id, list);
      this.count += 1;
      const timer: TimerHandle = this.opts.clock.setTimeout(
        () => waiter.reject(new TransferError('E_PUSH_TIMEOUT', `no GIV from ${id} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      if (opts.signal?.aborted === true) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Downloads waiting for a GIV (from `serventIdHex`, or in all). */
  waiting(serventIdHex?: string): number {
    if (serventIdHex === undefined) return this.count;
    return this.waiters.get(serventIdHex.toLowerCase())?.length ?? 0;
  }

  /**
   * Takes a connection whose first bytes are `GIV `. `peeked` = bytes already read from it.
   * Reads the rest of the GIV (capped, with a deadline), hands the socket to the oldest
   * download waiting for that servent, or closes it (garbage, or nobody waiting).
   */
  async handleGiv(socket: Duplex, peeked: Buffer): Promise<GivOutcome> {
    socket.on('error', () => {}); // errors surface through the reader; never crash the process
    const reader = new StreamReader(socket, this.opts.clock);
    const maxBytes = this.opts.maxGivBytes ?? MAX_GIV_BYTES;
    let buf = peeked;
    try {
      const deadline = this.opts.clock.now() + (this.opts.givReadTimeoutMs ?? 10_000);
      for (;;) {
        const parsed = parseGiv(buf, maxBytes);
        if (parsed.kind === 'giv') {
          const list = this.waiters.get(parsed.giv.serventId);
          const waiter = list?.[0];
          if (waiter === undefined) {
            throw new ProtocolError(
              'E_GIV_UNSOLICITED',
              `GIV from ${parsed.giv.serventId}: nobody is waiting`,
              'close',
            );
          }
          reader.unread(buf.subarray(parsed.consumed));
          reader.detach();
          waiter.resolve(socket);
          this.opts.log.debug({ serventId: parsed.giv.serventId, index: parsed.giv.index }, 'GIV matched');
          return { ok: true, giv: parsed.giv };
        }
        const chunk = await reader.read(
          maxBytes + 1,
          Math.max(1, deadline - this.opts.clock.now()),
          'E_GIV_TIMEOUT',
        );
        if (chunk === null) throw new ProtocolError('E_GIV_BAD', 'connection closed inside the GIV', 'close');
        buf = Buffer.concat([buf, chunk]);
      }
    } catch (e) {
      reader.detach();
      socket.destroy();
      const error =
        e instanceof ProtocolError || e instanceof TransferError
          ? e
          : new TransferError('E_GIV_BAD', `GIV failed: ${(e as Error).message}`, { cause: e });
      this.opts.log.debug({ code: error.code }, 'GIV refused');
      return { ok: false, error };
    }
  }

  /** Rejects every waiter; later `expect` calls fail at once. */
  close(): void {
    this.closed = true;
    for (const list of [...this.waiters.values()]) {
      for (const w of [...list]) w.reject(new TransferError('E_PUSH_CLOSED', 'push broker closed'));
    }
  }

  private remove(id: string, waiter: Waiter): boolean {
    const list = this.waiters.get(id);
    const i = list?.indexOf(waiter) ?? -1;
    if (list === undefined || i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) this.waiters.delete(id);
    this.count -= 1;
    return true;
  }
}
