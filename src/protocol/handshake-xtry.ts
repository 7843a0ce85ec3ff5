/**
 * X-Try / X-Try-Ultrapeers values (wire §2.2): `a.b.c.d:port` items separated by commas
 * with optional spaces, a trailing comma allowed, IPv6 items bracketed `[2001:db8::1]:6346`.
 * These are hints from a peer, so unusable items are skipped rather than failing the
 * handshake, and at most `maxEntries` hosts are returned (the rest is not even looked at).
 */
import { ipv4FromString } from '../core/bytes.js';

export interface XTryHost {
  /** dotted quad, or an IPv6 address without brackets */
  readonly host: string;
  readonly port: number;
}

/** Hosts taken from one handshake's X-Try headers. */
export const DEFAULT_MAX_XTRY_ENTRIES = 64;

const V4_ITEM_RE = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const V6_ITEM_RE = /^\[([0-9A-Fa-f:.]{2,45})\]:(\d{1,5})$/;

export function parseXTry(value: string, maxEntries: number = DEFAULT_MAX_XTRY_ENTRIES): XTryHost[] {
  const out: XTryHost[] = [];
  let from = 0;
  while (from <= value.length && out.length < maxEntries) {
    let comma = value.indexOf(',', from);
    if (comma < 0) comma = value.length;
    const host = parseItem(value.slice(from, comma).trim());
    if (host !== undefined) out.push(host);
    from = comma + 1;
  }
  return out;
}

function parseItem(item: string): XTryHost | undefined {
  if (item.length === 0) return undefined;
  const v4 = V4_ITEM_RE.exec(item);
  if (v4 !== null) {
    const port = validPort(v4[2] as string);
    if (port === undefined || ipv4FromString(v4[1] as string) === undefined) return undefined;
    return { host: v4[1] as string, port };
  }
  const v6 = V6_ITEM_RE.exec(item);
  if (v6 !== null) {
    const port = validPort(v6[2] as string);
    const host = v6[1] as string;
    if (port === undefined || !host.includes(':')) return undefined;
    return { host, port };
  }
  return undefined;
}

function validPort(s: string): number | undefined {
  const port = Number(s);
  return port >= 1 && port <= 65535 ? port : undefined;
}
