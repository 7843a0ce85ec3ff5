import net from 'node:net';

/**
 * Dials a TCP address. `signal` bounds the connect attempt only: it is detached once the
 * connection is up (net.connect's own `signal` option would destroy the socket whenever
 * the signal fires, however long after).
 */
export function tcpConnect(host: string, port: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new Error(`connect to ${host}:${port} aborted`));
      return;
    }
    const s = net.connect({ host, port, noDelay: true });
    const onAbort = (): void => {
      s.destroy();
      reject(new Error(`connect to ${host}:${port} aborted`));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => {
      signal?.removeEventListener('abort', onAbort);
      s.off('error', onError);
      resolve(s);
    });
    const onError = (e: Error): void => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    };
    s.once('error', onError);
  });
}
