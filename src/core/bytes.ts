/** Small helpers for binary identifiers shared by every layer. */

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const HEX_RE = /^[0-9a-fA-F]*$/;

/** Parses hex of an exact byte length; returns undefined when malformed. */
export function fromHex(s: string, length: number): Buffer | undefined {
  if (s.length !== length * 2 || !HEX_RE.test(s)) return undefined;
  return Buffer.from(s, 'hex');
}

/** Dotted-quad from a big-endian (network order) u32. */
export function ipv4ToString(n: number): string {
  return `${(n >>> 24) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** Parses a dotted quad into a u32 (network order); undefined when malformed. */
export function ipv4FromString(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n >>> 0;
}

/** "host:port" → parts; undefined when malformed. Accepts [v6]:port. */
export function parseHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s.trim()) ?? /^([^:\s]+):(\d{1,5})$/.exec(s.trim());
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] as string, port };
}

/**
 * A unicast IPv4 address a servent may send to: 1.0.0.0 – 223.255.255.255 (no "this
 * network" 0/8, no multicast 224/4, no reserved or broadcast 240/4).
 */
export function isUnicastIpv4(ip: string): boolean {
  const n = ipv4FromString(ip);
  if (n === undefined) return false;
  const a = n >>> 24;
  return a >= 1 && a <= 223;
}
