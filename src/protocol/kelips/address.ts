/**
 * "ip:port" ⇄ wire address (IPv4 in network order, port u16). Kelips peers are named by
 * the address their datagrams come from, so these strings are also table keys: one
 * canonical spelling (dotted decimal without leading zeros) is enforced both ways.
 */
import { ipv4FromString, ipv4ToString } from '../../core/bytes.js';

/** Parses a canonical "a.b.c.d:port" (port 1 … 65535); undefined otherwise. */
export function parseAddr(s: string): { ip: number; port: number } | undefined {
  const colon = s.lastIndexOf(':');
  if (colon < 7) return undefined;
  const ip = ipv4FromString(s.slice(0, colon));
  const portText = s.slice(colon + 1);
  if (ip === undefined || !/^[1-9]\d{0,4}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  // refuse non-canonical spellings ("010.0.0.1") so that one node has one key
  if (ipv4ToString(ip) !== s.slice(0, colon)) return undefined;
  return { ip, port };
}

export function formatAddr(ip: number, port: number): string {
  return `${ipv4ToString(ip)}:${port}`;
}

/**
 * True for a unicast address a peer may make us send to: first octet 1 … 223 (not
 * "this network" 0/8, not multicast 224/4, not reserved or broadcast 240/4), port ≠ 0.
 */
export function isUsableAddr(ip: number, port: number): boolean {
  const a = ip >>> 24;
  return a >= 1 && a <= 223 && port !== 0;
}
