/**
 * Giving sockets to the HTTP app. The servent's one listener reads the first bytes of a
 * connection to decide what it is; an HTTP request is passed on here with those bytes
 * put back in front of the stream. A firewalled holder answering a Push opens the
 * connection itself, writes `GIV <index>:<servent id hex>/<name>\n\n` (bare LFs) and then
 * serves whatever GETs the downloader sends on that socket, under the same slot rules.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { TransferError } from '../../core/errors.js';

/** Hands an accepted socket to the app; `peeked` are bytes already read from it. */
export async function handOff(app: FastifyInstance, socket: Socket, peeked?: Buffer): Promise<void> {
  await app.ready();
  if (peeked !== undefined && peeked.length > 0) socket.unshift(peeked);
  app.server.emit('connection', socket);
  // The peeking listener may have paused the socket; the HTTP parser needs it flowing.
  socket.resume();
}

const GIV_RE = /^GIV [0-9]{1,10}:[0-9a-fA-F]{32}\/[^\r\n]*$/;

/** `GIV <index>:<32 hex>/<name>\n\n`; control characters in the name are percent-encoded. */
export function formatGivLine(index: number, serventIdHex: string, name: string): string {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new TransferError('GIV_BAD_INDEX', `bad file index ${index}`);
  }
  if (!/^[0-9a-fA-F]{32}$/.test(serventIdHex))
    throw new TransferError('GIV_BAD_ID', 'servent id is not 32 hex');
  // eslint-disable-next-line no-control-regex
  const safe = name.replace(/[\x00-\x1f\x7f%]/g, (c) => encodeURIComponent(c));
  return `GIV ${index}:${serventIdHex.toLowerCase()}/${safe}\n\n`;
}

/**
 * Writes the GIV line on a socket we opened to a downloader, then serves the HTTP
 * request(s) it sends back. `givLine` may carry its terminating LF LF or not.
 */
export async function serveAfterGiv(app: FastifyInstance, socket: Socket, givLine: string): Promise<void> {
  const line = givLine.replace(/\n+$/, '');
  if (!GIV_RE.test(line)) throw new TransferError('GIV_BAD_LINE', 'not a GIV line');
  await app.ready();
  // Attach first: the GET can only come after the GIV, and it then finds the parser ready.
  app.server.emit('connection', socket);
  socket.resume();
  await new Promise<void>((resolve, reject) => {
    socket.write(`${line}\n\n`, (err) => (err ? reject(err) : resolve()));
  });
}
