/**
 * Which TCP conversations of a capture are Gnutella links, and where their binary stages
 * start. A link is a conversation whose dialer opens with `GNUTELLA CONNECT/`; HTTP
 * transfers, GIV callbacks and anything else are skipped. The handshake blocks are cut off
 * with the same parser the servent uses; each direction is deflated iff its sender's
 * accepting block said `Content-Encoding: deflate` (the server's reply for server→client,
 * the dialer's final block for client→server).
 */
import { ProtocolError } from '../../core/errors.js';
import { parseHandshakeBlock, type HandshakeBlock } from '../../protocol/handshake.js';
import { formatEndpoint, type TcpConversation } from '../../protocol/pcap.js';
import type { DecodeFault } from './descriptor-stream.js';

export interface GnutellaDirection {
  /** `client>server` or `server>client` as `ip:port>ip:port` */
  readonly stream: string;
  /** bytes after the handshake (still compressed when `deflate`) */
  readonly binary: Buffer;
  readonly deflate: boolean;
  /** where `binary` starts in the TCP byte stream of that direction */
  readonly offset: number;
}

export type ConversationPlan =
  | { readonly kind: 'skip'; readonly why: string }
  | { readonly kind: 'gnutella'; readonly directions: GnutellaDirection[] }
  | { readonly kind: 'fault'; readonly stream: string; readonly fault: DecodeFault };

const HELLO_PREFIX = Buffer.from('GNUTELLA CONNECT/', 'latin1');

type Parsed = { block: HandshakeBlock; end: number } | 'need-more' | { fault: DecodeFault };

function parseAt(bytes: Buffer, at: number): Parsed {
  try {
    const r = parseHandshakeBlock(bytes.subarray(at));
    return r.kind === 'need-more' ? 'need-more' : { block: r.block, end: at + r.consumed };
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return { fault: { offset: at + (e.offset ?? 0), code: e.code, message: e.message } };
  }
}

function isDeflate(block: HandshakeBlock): boolean {
  return block.headers.get('Content-Encoding')?.trim().toLowerCase() === 'deflate';
}

export function planConversation(c: TcpConversation): ConversationPlan {
  const up = `${formatEndpoint(c.client)}>${formatEndpoint(c.server)}`;
  const down = `${formatEndpoint(c.server)}>${formatEndpoint(c.client)}`;
  const c2s = c.clientToServer;
  const s2c = c.serverToClient;
  if (c2s.length < HELLO_PREFIX.length || !c2s.subarray(0, HELLO_PREFIX.length).equals(HELLO_PREFIX)) {
    return { kind: 'skip', why: 'not a Gnutella connection' };
  }
  const hello = parseAt(c2s, 0);
  if (hello === 'need-more') return { kind: 'skip', why: 'hello incomplete' };
  if ('fault' in hello) return { kind: 'fault', stream: up, fault: hello.fault };
  const reply = parseAt(s2c, 0);
  if (reply === 'need-more') return { kind: 'skip', why: 'no reply' };
  if ('fault' in reply) return { kind: 'fault', stream: down, fault: reply.fault };

  const plain = (stream: string, bytes: Buffer, offset: number): GnutellaDirection => ({
    stream,
    binary: bytes.subarray(offset),
    deflate: false,
    offset,
  });
  // 0.4 link (also a 0.6 hello answered the 0.4 way): no headers, no compression
  if (reply.block.kind === 'ok04') {
    return { kind: 'gnutella', directions: [plain(up, c2s, hello.end), plain(down, s2c, reply.end)] };
  }
  if (reply.block.kind !== 'response' || reply.block.code !== 200) return { kind: 'skip', why: 'refused' };
  const down06: GnutellaDirection = { ...plain(down, s2c, reply.end), deflate: isDeflate(reply.block) };
  const final = parseAt(c2s, hello.end);
  if (final === 'need-more') return { kind: 'gnutella', directions: [down06] };
  if ('fault' in final) return { kind: 'fault', stream: up, fault: final.fault };
  if (final.block.kind !== 'response' || final.block.code !== 200) return { kind: 'skip', why: 'refused' };
  const up06: GnutellaDirection = { ...plain(up, c2s, final.end), deflate: isDeflate(final.block) };
  return { kind: 'gnutella', directions: [up06, down06] };
}
