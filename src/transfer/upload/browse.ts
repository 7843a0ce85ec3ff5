/**
 * Browse host (`GET /`): the peer asks for our whole share as a stream of complete
 * QueryHit descriptors (`Accept: application/x-gnutella-packets`, optionally
 * `Accept-Encoding: deflate`). The descriptors are built by the caller (it owns the codec
 * and the servent id); this only negotiates and streams them with backpressure.
 *
 * Answer as gnutella-bun-client and gtk-gnutella do: 200, that content type,
 * `X-Features: browse/1.0`, no Content-Length; the body ends when the connection closes
 * (no chunked encoding, which older clients may not parse). Without the Accept: 406.
 */
import { Readable, pipeline } from 'node:stream';
import { createDeflate } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Encoded QueryHit descriptors (23-byte header included), produced lazily. */
export type BrowseSource = () => Iterable<Buffer> | AsyncIterable<Buffer>;

export const BROWSE_CONTENT_TYPE = 'application/x-gnutella-packets';

function listHas(header: string | string[] | undefined, token: string): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (text.length > 1024) return false;
  return text
    .toLowerCase()
    .split(',')
    .some((part) => part.split(';')[0]?.trim() === token);
}

export function serveBrowse(
  request: FastifyRequest,
  reply: FastifyReply,
  source: BrowseSource,
  serverName: string,
): void {
  reply.hijack();
  const res = reply.raw;
  if (!listHas(request.headers.accept, BROWSE_CONTENT_TYPE)) {
    res.writeHead(406, { Server: serverName, 'Content-Length': '0' }).end();
    return;
  }
  const deflate = listHas(request.headers['accept-encoding'], 'deflate');
  const headers: Record<string, string> = {
    Server: serverName,
    'Content-Type': BROWSE_CONTENT_TYPE,
    'X-Features': 'browse/1.0',
    Connection: 'close',
  };
  if (deflate) headers['Content-Encoding'] = 'deflate';
  // close-delimited body: no Content-Length, no chunked encoding
  res.useChunkedEncodingByDefault = false;
  res.shouldKeepAlive = false;
  res.writeHead(200, headers);
  if (request.method === 'HEAD') {
    res.end();
    return;
  }
  const frames = Readable.from(source(), { objectMode: false });
  const done = (): void => {};
  if (deflate) pipeline(frames, createDeflate(), res, done);
  else pipeline(frames, res, done);
}
