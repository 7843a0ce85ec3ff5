/**
 * One Gnutella link after its handshake: framing, optional deflate both ways, a bounded
 * priority send queue, idle pings, dead-peer detection and a polite Bye on close.
 *
 *   handshaking ──(handshake.ts)──► open ──close()/Bye/error──► closing ──► closed
 *
 * The handshake phase lives in `handshake-phase.ts`; this class starts at `open`.
 * Everything it learns goes to `events`; it never interprets routing.
 */
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import type { Clock, TimerHandle } from '../core/clock.js';
import { ProtocolError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Rng } from '../core/rng.js';
import { encodeMessage } from '../protocol/encode.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { newGuid } from '../protocol/guid.js';
import type { Message } from '../protocol/messages.js';
import { DEFAULT_SEND_QUEUE_LIMITS, SendQueue, priorityOf } from './send-queue.js';
import type { SendQueueLimits } from './send-queue.js';

export type ConnectionState = 'open' | 'closing' | 'closed';

export interface ConnectionInfo {
  readonly id: string;
  readonly direction: 'in' | 'out';
  /** the remote socket address */
  readonly remote: { readonly ip: string; readonly port: number };
  /** the peer's listening address, when it told us (Listen-IP / X-My-Address / Node) */
  readonly listen?: { readonly ip: string; readonly port: number };
  readonly userAgent: string;
  readonly version: '0.4' | '0.6';
  readonly remoteUltrapeer: boolean;
  readonly weAreLeaf: boolean;
  readonly compressIn: boolean;
  readonly compressOut: boolean;
  /** peer accepts Bye (Bye-Packet header) */
  readonly byeCapable: boolean;
  /** peer understands GGEP */
  readonly ggepCapable: boolean;
}

export interface ConnectionOptions {
  readonly socket: Duplex;
  readonly info: ConnectionInfo;
  /** bytes that arrived after the handshake's blank line: the start of the binary stream */
  readonly leftover: Buffer;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: Logger;
  readonly sendQueue?: SendQueueLimits;
  /** send an alive ping after this much silence (default 20 s, as gtk-gnutella) */
  readonly idlePingMs?: number;
  /** close after this much silence (default 120 s) */
  readonly deadAfterMs?: number;
  /** compressed writes are sync-flushed at most this long after the first queued message */
  readonly flushDelayMs?: number;
}

export interface ConnectionEvents {
  message(conn: Connection, msg: Message): void;
  /** a message was malformed but the stream is intact; it has been dropped */
  dropped?(conn: Connection, error: ProtocolError): void;
  closed(conn: Connection, reason: string): void;
}

export interface ConnectionCounters {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  droppedIn: number;
  droppedOut: number;
}

const WRITE_BATCH = 64 * 1024;

export class Connection {
  readonly info: ConnectionInfo;
  state: ConnectionState = 'open';
  readonly counters: ConnectionCounters = {
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    droppedIn: 0,
    droppedOut: 0,
  };
  readonly openedAt: number;

  private readonly socket: Duplex;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly log: Logger;
  private readonly queue: SendQueue;
  private readonly decoder = new FrameDecoder();
  private readonly inflate: zlib.Inflate | undefined;
  private readonly deflate: zlib.Deflate | undefined;
  private events: ConnectionEvents | undefined;
  private lastHeard: number;
  private idleTimer: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private writing = false;
  private pumpQueued = false;
  private readonly idlePingMs: number;
  private readonly deadAfterMs: number;
  private readonly flushDelayMs: number;
  private leftover: Buffer;

  constructor(opts: ConnectionOptions) {
    this.info = opts.info;
    this.leftover = opts.leftover;
    this.socket = opts.socket;
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.log = opts.log.child({ peer: opts.info.id });
    this.queue = new SendQueue(opts.sendQueue ?? DEFAULT_SEND_QUEUE_LIMITS);
    this.idlePingMs = opts.idlePingMs ?? 20_000;
    this.deadAfterMs = opts.deadAfterMs ?? 120_000;
    this.flushDelayMs = opts.flushDelayMs ?? 20;
    this.openedAt = this.clock.now();
    this.lastHeard = this.openedAt;

    if (opts.info.compressIn) {
      // zlib stream with sync flushes; cap the inflated chunk size so one socket read
      // cannot expand unboundedly before the decoder sees it
      this.inflate = zlib.createInflate({ chunkSize: 64 * 1024 });
      this.inflate.on('data', (d: Buffer) => this.onPlain(d));
      this.inflate.on('error', (e) => this.fail(`inflate: ${e.message}`));
    }
    if (opts.info.compressOut) {
      this.deflate = zlib.createDeflate({ level: 6 });
      this.deflate.on('data', (d: Buffer) => {
        this.counters.bytesOut += d.length;
        if (!this.socket.write(d)) this.deflate?.pause();
      });
      this.deflate.on('error', (e) => this.fail(`deflate: ${e.message}`));
      this.socket.on('drain', () => this.deflate?.resume());
    }
  }

  /** Starts reading; `events` receive everything from now on. */
  start(events: ConnectionEvents): void {
    this.events = events;
    this.socket.on('data', (chunk: Buffer) => this.onWire(chunk));
    this.socket.on('drain', () => this.pump());
    this.socket.on('error', (e: Error) => this.fail(`socket: ${e.message}`));
    this.socket.on('close', () => this.finish('socket closed'));
    this.socket.on('end', () => this.finish('peer closed'));
    this.armIdle();
    const leftover = this.leftover;
    this.leftover = Buffer.alloc(0);
    if (leftover.length > 0) this.onWire(leftover);
    this.socket.resume();
  }

  /** Queues a message. Returns false when it was dropped (queue full) or the link is closing. */
  send(msg: Message): boolean {
    if (this.state !== 'open') return false;
    const bytes = encodeMessage(msg);
    const r = this.queue.enqueue(bytes, priorityOf(msg), msg.hops);
    if (r === 'dropped') {
      this.counters.droppedOut++;
      return false;
    }
    if (r === 'overflow') {
      this.close(502, 'Send queue full');
      return false;
    }
    this.counters.messagesOut++;
    this.schedulePump();
    return true;
  }

  get queuedBytes(): number {
    return this.queue.bytes;
  }

  /** Our queue towards this peer is backed up: the peer reads slowly. */
  get congested(): boolean {
    return this.queue.congested;
  }

  /** Says goodbye (when the peer accepts Bye) and closes after the queue drains (≤ 2 s). */
  close(code = 200, reason = 'Servent shutdown'): Promise<void> {
    if (this.state !== 'open') return this.closedPromise;
    this.state = 'closing';
    this.clock.clearTimeout(this.idleTimer);
    this.queue.clear();
    if (this.info.byeCapable && this.info.version === '0.6') {
      const bye: Message = { type: 'bye', guid: newGuid(this.rng), ttl: 1, hops: 0, code, reason };
      this.queue.enqueue(encodeMessage(bye), 99);
      this.pump();
    }
    const t = this.clock.setTimeout(() => this.finish(`closed: ${code} ${reason}`), 2000);
    const end = (): void => {
      if (this.deflate !== undefined) this.deflate.end(() => this.socket.end());
      else this.socket.end();
    };
    if (this.queue.length === 0 && !this.writing) end();
    else this.afterDrain = end;
    void this.closedPromise.then(() => this.clock.clearTimeout(t));
    return this.closedPromise;
  }

  /** Closes at once, without Bye. */
  destroy(reason: string): void {
    this.finish(reason);
  }

  private afterDrain: (() => void) | undefined;
  private resolveClosed: (() => void) | undefined;
  private readonly closedPromise = new Promise<void>((r) => {
    this.resolveClosed = r;
  });

  get closed(): Promise<void> {
    return this.closedPromise;
  }

  private onWire(chunk: Buffer): void {
    if (this.state === 'closed') return;
    if (this.inflate !== undefined) {
      if (chunk.length > 0) {
        this.counters.bytesIn += chunk.length;
        this.inflate.write(chunk);
      }
      return;
    }
    this.counters.bytesIn += chunk.length;
    this.onPlain(chunk);
  }

  private onPlain(chunk: Buffer): void {
    if (this.state === 'closed' || chunk.length === 0) return;
    this.lastHeard = this.clock.now();
    let results;
    try {
      results = this.decoder.push(chunk);
    } catch (e) {
      if (e instanceof ProtocolError) {
        this.log.info({ code: e.code, offset: e.offset }, 'framing lost; closing');
        void this.close(e.code === 'E_PAYLOAD_TOO_LARGE' ? 400 : 501, e.message.slice(0, 80));
        this.finish(`protocol error ${e.code}`);
        return;
      }
      throw e;
    }
    for (const r of results) {
      // a handler may have closed the link while we were delivering
      if ((this.state as ConnectionState) === 'closed') return;
      if (!r.ok) {
        this.counters.droppedIn++;
        this.events?.dropped?.(this, r.error);
        continue;
      }
      this.counters.messagesIn++;
      const m = r.message;
      if (m.type === 'bye') {
        this.log.info({ code: m.code, reason: m.reason }, 'peer said bye');
        this.finish(`bye ${m.code} ${m.reason}`);
        return;
      }
      this.events?.message(this, m);
    }
    // the peer is not reading what we send it: stop reading from it until it does
    if (this.queue.congested) this.socket.pause();
  }

  private schedulePump(): void {
    if (this.deflate === undefined) {
      // coalesce everything queued in this turn of the event loop into one write
      if (!this.pumpQueued) {
        this.pumpQueued = true;
        queueMicrotask(() => {
          this.pumpQueued = false;
          this.pump();
        });
      }
      return;
    }
    // batch compressed writes: one sync flush for what arrives within flushDelayMs
    if (this.flushTimer === undefined) {
      this.flushTimer = this.clock.setTimeout(() => {
        this.flushTimer = undefined;
        this.pump();
      }, this.flushDelayMs);
    }
  }

  private pump(): void {
    if (this.state === 'closed' || this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.take(WRITE_BATCH);
        const data = batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch);
        if (this.deflate !== undefined) {
          this.deflate.write(data);
          this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
          if (this.deflate.writableLength > WRITE_BATCH * 4) break;
        } else {
          this.counters.bytesOut += data.length;
          if (!this.socket.write(data)) break;
        }
      }
    } finally {
      this.writing = false;
    }
    if (!this.queue.congested && this.state === 'open') this.socket.resume();
    if (this.queue.length === 0 && this.afterDrain !== undefined) {
      const f = this.afterDrain;
      this.afterDrain = undefined;
      f();
    }
  }

  private armIdle(): void {
    this.clock.clearTimeout(this.idleTimer);
    const check = (): void => {
      if (this.state !== 'open') return;
      const silent = this.clock.now() - this.lastHeard;
      if (silent >= this.deadAfterMs) {
        void this.close(405, 'Activity timeout');
        return;
      }
      if (silent >= this.idlePingMs) {
        this.send({ type: 'ping', guid: newGuid(this.rng), ttl: 1, hops: 0 });
      }
      this.idleTimer = this.clock.setTimeout(check, this.idlePingMs);
    };
    this.idleTimer = this.clock.setTimeout(check, this.idlePingMs);
  }

  private fail(reason: string): void {
    this.log.debug({ reason }, 'connection failed');
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clock.clearTimeout(this.idleTimer);
    this.clock.clearTimeout(this.flushTimer);
    this.queue.clear();
    this.inflate?.destroy();
    this.deflate?.destroy();
    this.socket.destroy();
    this.events?.closed(this, reason);
    this.resolveClosed?.();
  }
}
