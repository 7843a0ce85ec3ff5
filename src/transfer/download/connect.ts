/**
 * Opening a connection to a source: a TCP dial with a deadline from the injected clock,
 * or Push → GIV through the broker when the holder is firewalled.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../core/clock.js';
import { TransferError } from '../../core/errors.js';
import type { PushBroker } from '../push-broker.js';
import type { Connector, PushSource } from './types.js';

/** Plain TCP dial (the default `Connector`). */
export const tcpConnect: Connector = (host, port) =>
  new Promise<Duplex>((resolve, reject) => {
    const s: Socket = netConnect({ host, port });
    const onError = (err: Error): void => {
      s.destroy();
      reject(
        new TransferError('E_CONNECT', `connect to ${host}:${port} failed: ${err.message}`, { cause: err }),
      );
    };
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      s.setNoDelay(true);
      resolve(s);
    });
  });

/** Runs `connector` with a deadline; a socket that arrives after it is destroyed. */
export function connectWithin(
  connector: Connector,
  host: string,
  port: number,
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => finish(new TransferError('E_ABORTED', 'connect aborted'));
    const finish = (err: Error | undefined, s?: Duplex): void => {
      if (settled) {
        s?.destroy();
        return;
      }
      settled = true;
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err !== undefined) reject(err);
      else resolve(s as Duplex);
    };
    const timer = clock.setTimeout(
      () =>
        finish(
          new TransferError(
            'E_TIMEOUT_CONNECT',
            `connect to ${host}:${port} timed out after ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    connector(host, port).then(
      (s) => finish(undefined, s),
      (e: unknown) =>
        finish(
          e instanceof TransferError
            ? e
            : new TransferError('E_CONNECT', `connect to ${host}:${port} failed: ${(e as Error).message}`, {
                cause: e,
              }),
        ),
    );
  });
}

/**
 * Asks the overlay for a Push and waits for the holder's GIV. Fails with E_PUSH_NO_OVERLAY
 * without a broker, E_PUSH_UNAVAILABLE when the Push could not be sent (no route yet),
 * E_PUSH_TIMEOUT when no GIV came.
 */
export async function connectByPush(
  source: PushSource,
  broker: PushBroker | undefined,
  requestPush: ((s: PushSource) => boolean) | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Duplex> {
  if (broker === undefined || requestPush === undefined) {
    throw new TransferError('E_PUSH_NO_OVERLAY', 'firewalled source: pushes need a running servent');
  }
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const socket = broker.expect(source.serventId, { timeoutMs, signal: ctl.signal });
    let sent = false;
    try {
      sent = requestPush(source);
    } catch {
      sent = false;
    }
    if (!sent) {
      ctl.abort();
      await socket.catch(() => {});
      throw new TransferError('E_PUSH_UNAVAILABLE', `could not send a Push to ${source.serventId}`);
    }
    return await socket;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
