/**
 * Simulated nodes are named by index; on the wire (in QueryHits, DHT contacts) they
 * appear as "10.a.b.c:6346" with a.b.c = index + 1, so up to 2^24 − 2 nodes fit in
 * 10.0.0.0/8. The mapping is a bijection so that a hit's holder address leads back to
 * the node index without a table.
 */
export const SIM_PORT = 6346;
export const MAX_SIM_NODES = (1 << 24) - 2;

export function simIp(index: number): string {
  const v = index + 1;
  return `10.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export function simAddress(index: number): string {
  return `${simIp(index)}:${SIM_PORT}`;
}

/**
 * A servent ID for node `index`: 16 bytes that look random but are a fixed function of
 * the index, so that a hit's `holder.serventId` also leads back to its node.
 */
export function simServentId(index: number): Buffer {
  const out = Buffer.allocUnsafe(16);
  let x = (index + 1) >>> 0;
  for (let w = 0; w < 4; w++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    out.writeUInt32BE((z ^ (z >>> 16)) >>> 0, 4 * w);
  }
  return out;
}

/** Index of "10.a.b.c" (or "10.a.b.c:6346"); −1 when the text is not a simulated address. */
export function simIndexOf(address: string): number {
  const n = address.length;
  if (n < 8 || address.charCodeAt(0) !== 49 || address.charCodeAt(1) !== 48 || address.charCodeAt(2) !== 46) {
    return -1;
  }
  let i = 3;
  let value = 0;
  for (let part = 0; part < 3; part++) {
    let octet = 0;
    let digits = 0;
    while (i < n) {
      const c = address.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || octet > 255) return -1;
    value = value * 256 + octet;
    if (part < 2) {
      if (address.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  if (i < n) {
    if (address.slice(i) !== `:${SIM_PORT}`) return -1;
  }
  return value >= 1 && value <= MAX_SIM_NODES + 1 ? value - 1 : -1;
}
