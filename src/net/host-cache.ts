/**
 * Known servent addresses, learned only from what the user configured (`--peer`) and
 * what the overlay said (pongs, X-Try headers). Persisted in the data directory so a
 * restart can rejoin. Bounded; the oldest, most-failed entries go first.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../core/clock.js';
import { isUnicastIpv4 } from '../core/bytes.js';

export type HostSource = 'config' | 'pong' | 'x-try' | 'peer';

export interface HostEntry {
  host: string;
  port: number;
  source: HostSource;
  lastSeen: number;
  failures: number;
  lastTried: number;
}

export interface HostCacheOptions {
  file: string | undefined;
  clock: Clock;
  /** default 1000 */
  maxEntries?: number;
}

const key = (host: string, port: number): string => `${host}:${port}`;

/** Addresses a servent may be told to dial: a unicast IPv4 and a port. */
export function isDialable(host: string, port: number): boolean {
  return port > 0 && port < 65536 && isUnicastIpv4(host);
}

export class HostCache {
  private readonly entries = new Map<string, HostEntry>();
  private readonly maxEntries: number;

  constructor(private readonly opts: HostCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 1000;
  }

  get size(): number {
    return this.entries.size;
  }

  add(host: string, port: number, source: HostSource): void {
    if (!isDialable(host, port)) return;
    const k = key(host, port);
    const now = this.opts.clock.now();
    const e = this.entries.get(k);
    if (e !== undefined) {
      e.lastSeen = now;
      if (source === 'config') e.source = 'config';
      return;
    }
    this.entries.set(k, { host, port, source, lastSeen: now, failures: 0, lastTried: 0 });
    if (this.entries.size > this.maxEntries) this.evict();
  }

  markGood(host: string, port: number): void {
    const e = this.entries.get(key(host, port));
    if (e !== undefined) {
      e.failures = 0;
      e.lastSeen = this.opts.clock.now();
    }
  }

  markFailed(host: string, port: number): void {
    const e = this.entries.get(key(host, port));
    if (e !== undefined) e.failures++;
  }

  /**
   * Candidates to dial, best first: configured hosts, then fewest failures, then most
   * recently seen; hosts tried within `retryMs` (growing with failures) are skipped.
   */
  candidates(exclude: ReadonlySet<string>, retryMs = 30_000): HostEntry[] {
    const now = this.opts.clock.now();
    return [...this.entries.values()]
      .filter((e) => !exclude.has(key(e.host, e.port)))
      .filter((e) => now - e.lastTried >= retryMs * Math.min(32, 2 ** e.failures) || e.lastTried === 0)
      .sort(
        (a, b) =>
          Number(b.source === 'config') - Number(a.source === 'config') ||
          a.failures - b.failures ||
          b.lastSeen - a.lastSeen,
      );
  }

  markTried(host: string, port: number): void {
    const e = this.entries.get(key(host, port));
    if (e !== undefined) e.lastTried = this.opts.clock.now();
  }

  /** A few good addresses for X-Try headers. */
  sample(n: number): HostEntry[] {
    return [...this.entries.values()]
      .filter((e) => e.failures === 0)
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .slice(0, n);
  }

  all(): HostEntry[] {
    return [...this.entries.values()];
  }

  async load(): Promise<void> {
    if (this.opts.file === undefined) return;
    let text: string;
    try {
      text = await readFile(this.opts.file, 'utf8');
    } catch {
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(data)) return;
    for (const d of data.slice(0, this.maxEntries)) {
      if (typeof d !== 'object' || d === null) continue;
      const { host, port, source, lastSeen } = d as Partial<HostEntry>;
      if (typeof host !== 'string' || typeof port !== 'number') continue;
      this.add(host, port, source === 'config' ? 'config' : 'peer');
      const e = this.entries.get(key(host, port));
      if (e !== undefined && typeof lastSeen === 'number') e.lastSeen = lastSeen;
    }
  }

  async save(): Promise<void> {
    if (this.opts.file === undefined) return;
    await mkdir(dirname(this.opts.file), { recursive: true });
    const tmp = `${this.opts.file}.tmp`;
    const data = this.all().map(({ host, port, source, lastSeen }) => ({ host, port, source, lastSeen }));
    await writeFile(tmp, JSON.stringify(data, null, 1));
    await rename(tmp, this.opts.file);
  }

  private evict(): void {
    let worst: HostEntry | undefined;
    for (const e of this.entries.values()) {
      if (e.source === 'config') continue;
      if (
        worst === undefined ||
        e.failures > worst.failures ||
        (e.failures === worst.failures && e.lastSeen < worst.lastSeen)
      )
        worst = e;
    }
    if (worst !== undefined) this.entries.delete(key(worst.host, worst.port));
  }
}
