/**
 * Soft-state pointer store: key id → pointers (file name, size, urn, holder, index),
 * each with an expiry time. Pointers are refreshed by their holders' periodic
 * re-publication and vanish when not refreshed. Bounded per key and in total: at a cap
 * new pointers are refused (existing ones may still be refreshed), so a hostile peer can
 * fill the store only up to the cap and only for one TTL.
 */
import { keywords } from '../../core/keywords.js';
import type { ChordPointer } from '../../protocol/chord/messages.js';
import { betweenRight } from './id.js';

interface Entry {
  pointer: ChordPointer;
  expiresAt: number;
  /** keywords of the file name, computed on first filtered read */
  words: Set<string> | undefined;
}

export interface StoreLimits {
  readonly maxPerKey: number;
  readonly maxTotal: number;
  readonly maxTtlMs: number;
}

export interface StoredItem {
  readonly key: string;
  readonly pointer: ChordPointer;
}

/** whole milliseconds left (the wire carries an integer), at least 1 for a live entry */
function remaining(expiresAt: number, now: number): number {
  return Math.max(1, Math.floor(expiresAt - now));
}

function identity(p: ChordPointer): string {
  return `${p.ip}:${p.port}/${p.index}/${p.urn ?? p.name}`;
}

export class PointerStore {
  /** created on the first pointer: most simulated nodes of a large ring never hold one */
  private byKeyMap: Map<string, Map<string, Entry>> | undefined;
  private count = 0;
  private bytes = 0;
  /** pointers refused at a cap */
  refused = 0;
  private readonly limits: StoreLimits;

  constructor(limits: StoreLimits) {
    this.limits = limits;
  }

  get size(): number {
    return this.count;
  }

  get keys(): number {
    return this.byKeyMap?.size ?? 0;
  }

  private get byKey(): Map<string, Map<string, Entry>> {
    this.byKeyMap ??= new Map();
    return this.byKeyMap;
  }

  /** approximate bytes held (wire size of the pointers plus keys) */
  get approxBytes(): number {
    return this.bytes;
  }

  /** stores or refreshes; false when refused at a cap */
  put(key: string, p: ChordPointer, now: number): boolean {
    const ttl = Math.min(p.ttlMs, this.limits.maxTtlMs);
    if (ttl <= 0) return false;
    let m = this.byKey.get(key);
    const id = identity(p);
    const old = m?.get(id);
    const expiresAt = now + ttl;
    if (old !== undefined) {
      // a refresh never shortens a pointer's life (a replica may carry less time left)
      if (expiresAt > old.expiresAt) old.expiresAt = expiresAt;
      if (old.pointer.name !== p.name || old.pointer.size !== p.size) {
        this.bytes += p.name.length - old.pointer.name.length;
        old.pointer = p;
        old.words = undefined;
      }
      return true;
    }
    if (this.count >= this.limits.maxTotal || (m !== undefined && m.size >= this.limits.maxPerKey)) {
      this.refused++;
      return false;
    }
    if (m === undefined) {
      m = new Map();
      this.byKey.set(key, m);
      this.bytes += key.length / 2;
    }
    m.set(id, { pointer: p, expiresAt, words: undefined });
    this.count++;
    this.bytes += 64 + p.name.length;
    return true;
  }

  /**
   * Live pointers under `key` matching every word (core/keywords rule on the file name)
   * and `urn` when given, in insertion order, from `offset`, at most `limit`.
   * `next` is the offset of the following page when more remain.
   */
  get(
    key: string,
    words: readonly string[],
    urn: string | undefined,
    now: number,
    offset: number,
    limit: number,
  ): { pointers: ChordPointer[]; next: number | undefined } {
    const m = this.byKeyMap?.get(key);
    const out: ChordPointer[] = [];
    if (m === undefined) return { pointers: out, next: undefined };
    let seen = 0;
    for (const e of m.values()) {
      if (e.expiresAt <= now) continue;
      if (urn !== undefined && e.pointer.urn !== urn) continue;
      if (words.length > 0) {
        if (e.words === undefined) e.words = new Set(keywords(e.pointer.name));
        let all = true;
        for (const w of words) if (!e.words.has(w)) all = false;
        if (!all) continue;
      }
      if (seen++ < offset) continue;
      if (out.length === limit) return { pointers: out, next: offset + out.length };
      out.push({ ...e.pointer, ttlMs: remaining(e.expiresAt, now) });
    }
    return { pointers: out, next: undefined };
  }

  /** every live pointer whose key lies in (a, b] (handover to a new owner) */
  range(a: string, b: string, now: number): StoredItem[] {
    const out: StoredItem[] = [];
    if (this.byKeyMap === undefined) return out;
    for (const [key, m] of this.byKeyMap) {
      if (!betweenRight(key, a, b)) continue;
      for (const e of m.values()) {
        if (e.expiresAt > now)
          out.push({ key, pointer: { ...e.pointer, ttlMs: remaining(e.expiresAt, now) } });
      }
    }
    return out;
  }

  /** drops expired pointers; returns how many */
  sweep(now: number): number {
    let dropped = 0;
    if (this.byKeyMap === undefined) return 0;
    for (const [key, m] of this.byKeyMap) {
      for (const [id, e] of m) {
        if (e.expiresAt > now) continue;
        m.delete(id);
        this.count--;
        this.bytes -= 64 + e.pointer.name.length;
        dropped++;
      }
      if (m.size === 0) {
        this.byKey.delete(key);
        this.bytes -= key.length / 2;
      }
    }
    return dropped;
  }
}
