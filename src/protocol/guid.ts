/**
 * Descriptor IDs and servent IDs: 16 opaque bytes. Ours are random and carry the 0.6
 * "modern servent" mark (byte 8 = 0xFF, byte 15 = 0x00). Incoming ones are never checked
 * against the mark: real peers reuse those bytes on purpose (OOB address, gtk HEC).
 */
import type { Rng } from '../core/rng.js';
import { fromHex, toHex } from '../core/bytes.js';
import { GUID_SIZE } from './constants.js';

const MODERN_MARK_OFFSET = 8;
const MODERN_MARK = 0xff;
const RESERVED_OFFSET = 15;

export function newGuid(rng: Rng): Buffer {
  const g = rng.bytes(GUID_SIZE);
  g[MODERN_MARK_OFFSET] = MODERN_MARK;
  g[RESERVED_OFFSET] = 0x00;
  return g;
}

export function isModernGuid(g: Uint8Array): boolean {
  return g.length === GUID_SIZE && g[MODERN_MARK_OFFSET] === MODERN_MARK && g[RESERVED_OFFSET] === 0x00;
}

/** 32 lower-case hex digits */
export function guidToHex(g: Uint8Array): string {
  return toHex(g);
}

/** 32 hex digits (any case) → 16 bytes; undefined when malformed */
export function guidFromHex(s: string): Buffer | undefined {
  return fromHex(s, GUID_SIZE);
}

export function guidEquals(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
