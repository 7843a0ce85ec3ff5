/**
 * The header set real 0.6 servents expect from us (wire §2.2, §10; interop.md).
 *
 * LimeWire only calls a peer a good ultrapeer/leaf when it sees X-Degree ≥ 15,
 * X-Max-TTL < 5, X-Dynamic-Querying and X-Requeries: False, and gtk-gnutella as a leaf
 * refuses ultrapeers without X-Degree ≥ 16 and X-Dynamic-Querying; so these are sent
 * in both roles, as gtk-gnutella does. X-Ultrapeer-Query-Routing is deliberately NOT
 * sent: it promises that we keep our leaves' QRP tables for last-hop routing, which the
 * servent does not do yet. Vendor-Message is sent because unknown vendor messages are
 * dropped, never fatal. Never a "foxy" string: gnutella-bun-client bans it.
 */
import { HandshakeHeaders } from './handshake-headers.js';

export interface DefaultHandshakeHeadersOptions {
  /** `Name/version` */
  readonly userAgent: string;
  /** the address peers can reach us at (Listen-IP) */
  readonly listenIp: string;
  readonly listenPort: number;
  /** the address the peer connects from, as we see it (Remote-IP); omitted when unknown */
  readonly remoteIp?: string;
  /** X-Ultrapeer: True (ultrapeer) or False (leaf) */
  readonly ultrapeer: boolean;
  /** offer Accept-Encoding: deflate (we can inflate a compressed link) */
  readonly acceptDeflate: boolean;
  /** our 16-byte servent ID as 32 hex digits (GUID header, as gtk-gnutella sends it) */
  readonly serventIdHex: string;
}

export function defaultHandshakeHeaders(o: DefaultHandshakeHeadersOptions): HandshakeHeaders {
  if (/foxy/i.test(o.userAgent)) {
    // gnutella-bun-client answers 503 and bans the IP for good (interop.md)
    throw new RangeError('the User-Agent must not contain "foxy"');
  }
  const h = new HandshakeHeaders()
    .append('User-Agent', o.userAgent)
    .append('X-Ultrapeer', o.ultrapeer ? 'True' : 'False')
    .append('X-Query-Routing', '0.1')
    .append('X-Max-TTL', '4')
    .append('X-Degree', '32')
    .append('X-Dynamic-Querying', '0.1')
    .append('X-Requeries', 'False')
    .append('Pong-Caching', '0.1')
    .append('GGEP', '0.5')
    .append('Bye-Packet', '0.1')
    .append('Vendor-Message', '0.2');
  if (o.acceptDeflate) h.append('Accept-Encoding', 'deflate');
  h.append('Listen-IP', `${o.listenIp}:${o.listenPort}`);
  if (o.remoteIp !== undefined) h.append('Remote-IP', o.remoteIp);
  h.append('GUID', o.serventIdHex.toLowerCase());
  return h;
}
