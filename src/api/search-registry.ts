/**
 * Searches started through the control API. Each one runs on the router's callback API
 * (`startSearch`), keeps the hits it received (so a page that connects late, or reconnects,
 * gets them all) and fans them out to live listeners (the Server-Sent Events streams).
 *
 * Everything is bounded: searches running at once, searches remembered, hits kept per
 * search, listeners at once. An ended search is forgotten after `keepMs`.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { keywords } from '../core/keywords.js';
import type { Logger } from '../core/log.js';
import type { Router, SearchEndReason, SearchHandle, SearchHit } from '../routing/types.js';
import { normaliseSha1Urn } from '../share/index.js';
import { ApiError } from './errors.js';

/** A hit as the API hands it out: the router's hit plus its number within the search. */
export type ApiHit = SearchHit & { readonly id: number };

/** 'stopped': ended by the API client (DELETE), not by the back-end. */
export type ApiSearchEnd = SearchEndReason | 'stopped';

export interface SearchLimits {
  /** searches running at once */
  maxRunning: number;
  /** searches remembered (running and ended); the oldest ended one is forgotten first */
  maxKept: number;
  /** hits kept per search; the search ends with reason 'limit' when it is reached */
  maxHits: number;
  /** an ended search is forgotten this long after it ended */
  keepMs: number;
  /** a search ends with reason 'timeout' after this long unless the request says otherwise */
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  /** live listeners (event streams) over all searches */
  maxListeners: number;
}

export const SEARCH_LIMITS: SearchLimits = {
  maxRunning: 16,
  maxKept: 64,
  maxHits: 1000,
  keepMs: 10 * 60_000,
  defaultTimeoutMs: 30_000,
  maxTimeoutMs: 300_000,
  maxListeners: 32,
};

export interface SearchStart {
  readonly text: string;
  readonly urn?: string;
  readonly ttl?: number;
  readonly maxHits?: number;
  readonly timeoutMs?: number;
}

export interface SearchListener {
  hit(hit: ApiHit): void;
  end(reason: ApiSearchEnd): void;
}

export class ApiSearch {
  readonly hits: ApiHit[] = [];
  endReason: ApiSearchEnd | undefined;
  endedAt: number | undefined;
  /** set right after the router accepted the search */
  handle: SearchHandle | undefined;
  timer: TimerHandle | undefined;
  readonly listeners = new Set<SearchListener>();

  constructor(
    readonly id: string,
    readonly text: string,
    readonly urn: string | undefined,
    readonly startedAt: number,
    readonly maxHits: number,
  ) {}

  get running(): boolean {
    return this.endReason === undefined;
  }

  hitById(id: number): ApiHit | undefined {
    // ids are 1-based positions in `hits`
    const h = this.hits[id - 1];
    return h?.id === id ? h : undefined;
  }
}

export interface SearchRegistryOptions {
  readonly router: Pick<Router, 'startSearch'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly limits?: Partial<SearchLimits>;
}

export class SearchRegistry {
  readonly limits: SearchLimits;
  private readonly searches = new Map<string, ApiSearch>();
  private nextId = 1;
  private listenerCount = 0;

  constructor(private readonly opts: SearchRegistryOptions) {
    this.limits = { ...SEARCH_LIMITS, ...opts.limits };
  }

  start(req: SearchStart): ApiSearch {
    const urn = req.urn === undefined ? undefined : normaliseSha1Urn(req.urn);
    if (req.urn !== undefined && urn === undefined) {
      throw new ApiError('E_API_BAD_REQUEST', `not a urn:sha1: ${req.urn.slice(0, 60)}`);
    }
    if (urn === undefined && keywords(req.text).length === 0) {
      throw new ApiError(
        'E_API_EMPTY_SEARCH',
        'the search has no keyword of two or more letters or digits, and no urn',
      );
    }
    this.prune();
    if (this.runningCount() >= this.limits.maxRunning) {
      throw new ApiError(
        'E_API_TOO_MANY_SEARCHES',
        `${this.limits.maxRunning} searches are running; stop one (DELETE /api/searches/ID) or wait`,
      );
    }
    const timeoutMs = Math.min(this.limits.maxTimeoutMs, req.timeoutMs ?? this.limits.defaultTimeoutMs);
    const maxHits = Math.min(this.limits.maxHits, req.maxHits ?? this.limits.maxHits);
    const s = new ApiSearch(String(this.nextId++), req.text, urn, this.opts.clock.now(), maxHits);
    this.searches.set(s.id, s);
    this.evictOverflow();
    s.timer = this.opts.clock.setTimeout(() => this.finish(s, 'timeout', true), timeoutMs);
    const handle = this.opts.router.startSearch(
      {
        text: req.text,
        maxHits,
        ...(urn !== undefined ? { urn } : {}),
        ...(req.ttl !== undefined ? { ttl: req.ttl } : {}),
      },
      {
        hit: (h) => {
          if (!s.running) return;
          const hit: ApiHit = { ...h, id: s.hits.length + 1 };
          s.hits.push(hit);
          for (const l of [...s.listeners]) l.hit(hit);
          if (s.hits.length >= s.maxHits) this.finish(s, 'limit', true);
        },
        end: (reason) => this.finish(s, reason, false),
      },
    );
    if (s.running) s.handle = handle;
    else handle.cancel(); // ended synchronously (e.g. 'failed'): nothing left to stop
    this.opts.log.debug({ search: s.id, text: req.text, urn }, 'search started');
    return s;
  }

  get(id: string): ApiSearch | undefined {
    this.prune();
    return this.searches.get(id);
  }

  list(): ApiSearch[] {
    this.prune();
    return [...this.searches.values()];
  }

  /** Ends a running search (no more traffic for it); false when unknown. */
  stop(id: string): boolean {
    const s = this.searches.get(id);
    if (s === undefined) return false;
    this.finish(s, 'stopped', true);
    return true;
  }

  /** Stops and forgets a search; false when unknown. */
  remove(id: string): boolean {
    if (!this.stop(id)) return false;
    this.searches.delete(id);
    return true;
  }

  /**
   * Delivers the hits after `afterId` at once, then the live ones, then the end. Returns
   * the function that unsubscribes. Throws E_API_TOO_MANY_STREAMS past `maxListeners`.
   */
  subscribe(s: ApiSearch, listener: SearchListener, afterId = 0): () => void {
    if (this.listenerCount >= this.limits.maxListeners) {
      throw new ApiError(
        'E_API_TOO_MANY_STREAMS',
        `${this.limits.maxListeners} event streams are open; close one`,
      );
    }
    for (const h of s.hits.slice(Math.max(0, afterId))) listener.hit(h);
    if (!s.running) {
      listener.end(s.endReason as ApiSearchEnd);
      return () => {};
    }
    s.listeners.add(listener);
    this.listenerCount++;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      if (s.listeners.delete(listener)) this.listenerCount--;
    };
  }

  /** Live listeners over all searches. */
  listeners(): number {
    return this.listenerCount;
  }

  runningCount(): number {
    let n = 0;
    for (const s of this.searches.values()) if (s.running) n++;
    return n;
  }

  /** Stops every search (server shutdown). */
  close(): void {
    for (const s of this.searches.values()) this.finish(s, 'stopped', true);
    this.searches.clear();
  }

  private finish(s: ApiSearch, reason: ApiSearchEnd, cancel: boolean): void {
    if (!s.running) return;
    s.endReason = reason;
    s.endedAt = this.opts.clock.now();
    this.opts.clock.clearTimeout(s.timer);
    s.timer = undefined;
    if (cancel) s.handle?.cancel();
    s.handle = undefined;
    const ls = [...s.listeners];
    this.listenerCount -= s.listeners.size;
    s.listeners.clear();
    for (const l of ls) l.end(reason);
    this.opts.log.debug({ search: s.id, reason, hits: s.hits.length }, 'search ended');
  }

  /** Forgets ended searches older than `keepMs`. */
  private prune(): void {
    const now = this.opts.clock.now();
    for (const [id, s] of this.searches) {
      if (s.endedAt !== undefined && now - s.endedAt >= this.limits.keepMs) this.searches.delete(id);
    }
  }

  /** Past `maxKept`, forgets the ended searches that ended first. */
  private evictOverflow(): void {
    if (this.searches.size <= this.limits.maxKept) return;
    const ended = [...this.searches.values()]
      .filter((s) => !s.running)
      .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
    for (const s of ended) {
      if (this.searches.size <= this.limits.maxKept) break;
      this.searches.delete(s.id);
    }
  }
}
