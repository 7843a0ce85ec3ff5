/**
 * A Server-Sent Events stream on a fastify reply (text/event-stream, WHATWG HTML §9.2):
 *
 *   id: 7            ← lets EventSource resume with Last-Event-ID after a reconnect
 *   event: hit
 *   data: {...}      ← one line: JSON never contains a raw newline
 *   (blank line)
 *
 * A comment line (`: keep-alive`) every `heartbeatMs` keeps proxies and idle timers from
 * closing a quiet stream. A client that stops reading is cut off once `maxBufferedBytes`
 * are waiting in the socket: a stream never grows without bound.
 */
import type { FastifyReply } from 'fastify';
import type { Clock, TimerHandle } from '../core/clock.js';

export const SSE_DEFAULTS = {
  heartbeatMs: 15_000,
  /** bytes queued for a slow reader before the stream is closed */
  maxBufferedBytes: 1024 * 1024,
  /** reconnection delay suggested to EventSource */
  retryMs: 2_000,
};

export interface SseStream {
  send(event: string, data: unknown, id?: number): void;
  close(): void;
  readonly closed: boolean;
  onClose(fn: () => void): void;
}

export function openSse(
  reply: FastifyReply,
  clock: Clock,
  opts: Partial<typeof SSE_DEFAULTS> = {},
  extraHeaders: Record<string, string> = {},
): SseStream {
  const o = { ...SSE_DEFAULTS, ...opts };
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    ...extraHeaders,
  });
  let closed = false;
  let heartbeat: TimerHandle | undefined;
  const closers: Array<() => void> = [];
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clock.clearTimeout(heartbeat);
    for (const fn of closers) fn();
  };
  const write = (text: string): void => {
    if (closed) return;
    res.write(text);
    if (res.writableLength > o.maxBufferedBytes) stream.close();
  };
  const beat = (): void => {
    write(': keep-alive\n\n');
    if (!closed) heartbeat = clock.setTimeout(beat, o.heartbeatMs);
  };
  res.on('close', finish);
  const stream: SseStream = {
    send(event, data, id) {
      write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      if (closed) return;
      finish();
      res.end();
    },
    get closed() {
      return closed;
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
  };
  write(`retry: ${o.retryMs}\n\n`);
  heartbeat = clock.setTimeout(beat, o.heartbeatMs);
  return stream;
}
