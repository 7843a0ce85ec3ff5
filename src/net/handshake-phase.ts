/**
 * Drives a sans-IO handshake machine (src/protocol/handshake*.ts) over a socket, with a
 * deadline: a peer that does not complete the handshake in time is dropped.
 */
import type { Duplex } from 'node:stream';
import type { Clock } from '../core/clock.js';
import type { HandshakeDone, HandshakeFailure, HandshakeStep } from '../protocol/handshake-machine.js';

export interface HandshakeMachineLike {
  feed(bytes: Uint8Array): HandshakeStep;
}

export type HandshakeOutcome = { ok: true; done: HandshakeDone } | { ok: false; failure: HandshakeFailure };

export function runHandshake(
  socket: Duplex,
  machine: HandshakeMachineLike,
  opts: { clock: Clock; timeoutMs: number; first?: HandshakeStep; peeked?: Buffer },
): Promise<HandshakeOutcome> {
  return new Promise<HandshakeOutcome>((resolve) => {
    let settled = false;
    const settle = (o: HandshakeOutcome): void => {
      if (settled) return;
      settled = true;
      opts.clock.clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      socket.pause();
      resolve(o);
    };
    const apply = (step: HandshakeStep): void => {
      if (step.send !== undefined && step.send.length > 0) socket.write(step.send);
      if (step.done !== undefined) settle({ ok: true, done: step.done });
      else if (step.failed !== undefined) settle({ ok: false, failure: step.failed });
    };
    const onData = (chunk: Buffer): void => {
      try {
        apply(machine.feed(chunk));
      } catch (e) {
        settle({ ok: false, failure: { reason: (e as Error).message, side: 'protocol', xTry: [] } });
      }
    };
    const onClose = (): void =>
      settle({
        ok: false,
        failure: { reason: 'connection closed during handshake', side: 'remote', xTry: [] },
      });
    const timer = opts.clock.setTimeout(
      () => settle({ ok: false, failure: { reason: 'handshake timeout', side: 'local', xTry: [] } }),
      opts.timeoutMs,
    );
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
    if (opts.first !== undefined) apply(opts.first);
    if (!settled && opts.peeked !== undefined && opts.peeked.length > 0) onData(opts.peeked);
    if (!settled) socket.resume();
  });
}
