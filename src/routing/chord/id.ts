/**
 * Ring identifiers. An identifier is a fixed-width lower-case hex string of
 * ceil(m/4) digits holding a value < 2^m. Fixed width makes JavaScript's string order
 * the numeric order, so the hot path (interval tests in closest-preceding-node, run at
 * every hop) is two or three primitive string comparisons, with no allocation; ids are
 * immutable, shared by reference between tables, and usable as Map keys. Arithmetic
 * (finger starts n + 2^i) is digit-wise and rare (finger repair, state installation).
 * bench/sim-chord.ts compares this with BigInt and Buffer representations.
 */
import { createHash } from 'node:crypto';

export type ChordId = string;

const HEX = '0123456789abcdef';

export class IdSpace {
  /** m: identifier width in bits */
  readonly bits: number;
  /** digits per identifier */
  readonly digits: number;
  /** largest value of the leading digit (15 unless m is not a multiple of 4) */
  private readonly topMax: number;
  readonly zero: ChordId;
  private readonly mask: bigint;

  constructor(bits: number) {
    if (!Number.isInteger(bits) || bits < 1 || bits > 160)
      throw new RangeError(`id bits ${bits} not in 1..160`);
    this.bits = bits;
    this.digits = Math.ceil(bits / 4);
    const r = bits % 4;
    this.topMax = r === 0 ? 15 : (1 << r) - 1;
    this.zero = '0'.repeat(this.digits);
    this.mask = (1n << BigInt(bits)) - 1n;
  }

  /** SHA-1 of `text`, truncated to its m most significant bits */
  hash(text: string): ChordId {
    return this.fromDigest(createHash('sha1').update(text, 'utf8').digest());
  }

  /** top m bits of a 20-byte digest */
  fromDigest(d: Buffer): ChordId {
    if (this.bits % 4 === 0) return d.toString('hex', 0, Math.ceil(this.bits / 8)).slice(0, this.digits);
    const v = BigInt(`0x${d.toString('hex')}`) >> BigInt(160 - this.bits);
    return v.toString(16).padStart(this.digits, '0');
  }

  fromBigInt(v: bigint): ChordId {
    const mod = 1n << BigInt(this.bits);
    const x = ((v % mod) + mod) % mod;
    return x.toString(16).padStart(this.digits, '0');
  }

  toBigInt(id: ChordId): bigint {
    return BigInt(`0x${id}`);
  }

  isValid(id: string): boolean {
    if (id.length !== this.digits || !/^[0-9a-f]+$/.test(id)) return false;
    return parseInt(id[0] as string, 16) <= this.topMax;
  }

  /** (n + 2^i) mod 2^m, 0 ≤ i < m (BigInt: measured faster than digit-wise string carries) */
  addPow2(id: ChordId, i: number): ChordId {
    const v = (BigInt(`0x${id}`) + (1n << BigInt(i))) & this.mask;
    return v.toString(16).padStart(this.digits, '0');
  }

  /** a uniformly random identifier from 32-bit draws */
  random(uint32: () => number): ChordId {
    let s = '';
    while (s.length < this.digits) s += uint32().toString(16).padStart(8, '0');
    s = s.slice(0, this.digits);
    const top = parseInt(s[0] as string, 16) % (this.topMax + 1);
    return HEX[top] + s.slice(1);
  }

  /** ⌊log2((b − a) mod 2^m)⌋, or −1 when a = b: how many finger levels the gap spans */
  log2Distance(a: ChordId, b: ChordId): number {
    if (a === b) return -1;
    const mod = 1n << BigInt(this.bits);
    const d = (this.toBigInt(b) - this.toBigInt(a) + mod) % mod;
    return d.toString(2).length - 1;
  }
}

const spaces = new Map<number, IdSpace>();

/** the (immutable) identifier space of width `bits`, shared by every router using it */
export function idSpace(bits: number): IdSpace {
  let s = spaces.get(bits);
  if (s === undefined) {
    s = new IdSpace(bits);
    spaces.set(bits, s);
  }
  return s;
}

/** x ∈ (a, b) on the ring; (a, a) is the whole ring but a */
export function between(x: ChordId, a: ChordId, b: ChordId): boolean {
  if (a < b) return a < x && x < b;
  if (a > b) return a < x || x < b;
  return x !== a;
}

/** x ∈ (a, b] on the ring; (a, a] is the whole ring */
export function betweenRight(x: ChordId, a: ChordId, b: ChordId): boolean {
  if (a < b) return a < x && x <= b;
  if (a > b) return a < x || x <= b;
  return true;
}

/**
 * Ring order seen from `origin`: negative when x comes before y going clockwise from
 * origin (origin itself comes first).
 */
export function compareFrom(origin: ChordId, x: ChordId, y: ChordId): number {
  const xw = x <= origin ? 1 : 0;
  const yw = y <= origin ? 1 : 0;
  if (x === origin) return y === origin ? 0 : -1;
  if (y === origin) return 1;
  if (xw !== yw) return xw - yw;
  return x < y ? -1 : x > y ? 1 : 0;
}
