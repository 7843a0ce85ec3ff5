/**
 * What ANY Router must do, whatever its back-end and whatever network carries it:
 * (1) a published file is found from another node, with the published facts;
 * (2) a crashed or stopped node's files stop being found once soft state has expired;
 * (3) hits carry a downloadable holder;
 * (4) aborting a search stops its traffic and its callbacks: after cancel + settleMs, the
 *     network sends no more than its background traffic (measured over an equal window
 *     before the search; a back-end with maintenance traffic gets 10 % slack, flood none);
 * (5) multi-word searches need every word.
 * A back-end runs it as `routerCompliance(name, factory, opts)` inside a test file.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { keywords } from '../../src/core/keywords.js';
import { sha1Urn } from '../../src/protocol/index.js';
import type { Router, SearchHit, SearchRequest, SharedFileInfo } from '../../src/routing/types.js';
import type { ComplianceNet, ComplianceNetFactory } from './harness.js';

export interface ComplianceOptions {
  /** time after which a vanished node's published state is gone (flood: 0) */
  readonly softStateExpiryMs: number;
  /** time for the network to quiesce (messages in flight delivered, publications stored) */
  readonly settleMs: number;
  /** time a search is given to collect its hits */
  readonly searchMs: number;
  /** network size (default 16) */
  readonly size?: number;
  /** seeds tried (default [1, 2]) */
  readonly seeds?: readonly number[];
}

/** A library entry whose URN is the SHA-1 URN of its name (any fixed content will do). */
export function complianceFile(index: number, name: string, size: number): SharedFileInfo {
  const urn = sha1Urn(createHash('sha1').update(name).digest());
  return { index, name, size, urn, keywords: keywords(name) };
}

export const COMPLIANCE_FILES = {
  sonata: complianceFile(7, 'Moonlight Sonata Adagio.mp3', 4_356_789),
  danube: complianceFile(3, 'Blue Danube Waltz.ogg', 1_234_567),
  monday: complianceFile(12, 'Blue Monday Remix.ogg', 2_345_678),
  common: complianceFile(1, 'Common Field Recording.wav', 99_999),
} as const;

/** Runs a search for `ms` of network time and returns what it delivered. */
export async function collect(
  net: ComplianceNet,
  from: number,
  q: SearchRequest,
  ms: number,
): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  const handle = net.router(from).startSearch(q, { hit: (h) => hits.push(h), end: () => {} });
  await net.advance(ms);
  handle.cancel();
  return hits;
}

const isHolder = (h: SearchHit, holder: { ip: string; port: number; serventId: string }): boolean =>
  h.holder.ip === holder.ip && h.holder.port === holder.port && h.holder.serventId === holder.serventId;

export function routerCompliance(name: string, factory: ComplianceNetFactory, opts: ComplianceOptions): void {
  const size = opts.size ?? 16;
  const seeds = opts.seeds ?? [1, 2];
  const holderNode = size - 3;
  const searcher = 1;

  describe(`Router compliance: ${name}`, () => {
    let net: ComplianceNet | undefined;
    const open = async (seed: number): Promise<ComplianceNet> => {
      net = await factory({ size, seed });
      return net;
    };
    afterEach(async () => {
      await net?.close();
      net = undefined;
    });

    const publish = (n: ComplianceNet, i: number, files: readonly SharedFileInfo[]): Router => {
      const r = n.router(i);
      r.publish(files);
      return r;
    };

    for (const seed of seeds) {
      it(`finds a file published on another node, with its facts (seed ${seed})`, async () => {
        const n = await open(seed);
        const f = COMPLIANCE_FILES.sonata;
        publish(n, holderNode, [f]);
        await n.advance(opts.settleMs);
        const hits = await collect(n, searcher, { text: 'moonlight sonata', ttl: 7 }, opts.searchMs);
        const mine = hits.filter((h) => isHolder(h, n.holderOf(holderNode)));
        expect(mine.length).toBeGreaterThan(0);
        for (const h of mine) {
          expect(h.file).toEqual({ index: f.index, name: f.name, size: f.size, urn: f.urn });
          expect(h.backend).toBeTypeOf('string');
        }
      });
    }

    it('stops finding a crashed node’s files once soft state has expired', async () => {
      const n = await open(seeds[0] ?? 1);
      publish(n, holderNode, [COMPLIANCE_FILES.sonata]);
      await n.advance(opts.settleMs);
      const before = await collect(n, searcher, { text: 'moonlight sonata', ttl: 7 }, opts.searchMs);
      expect(before.some((h) => isHolder(h, n.holderOf(holderNode)))).toBe(true);
      await n.kill(holderNode);
      await n.advance(opts.softStateExpiryMs + opts.settleMs);
      const after = await collect(n, searcher, { text: 'moonlight sonata', ttl: 7 }, opts.searchMs);
      expect(after.filter((h) => isHolder(h, n.holderOf(holderNode)))).toEqual([]);
    });

    it('stops finding a stopped node’s files once soft state has expired', async () => {
      const n = await open(seeds[0] ?? 1);
      publish(n, holderNode, [COMPLIANCE_FILES.sonata]);
      await n.advance(opts.settleMs);
      await n.router(holderNode).stop();
      await n.advance(opts.softStateExpiryMs + opts.settleMs);
      const after = await collect(n, searcher, { text: 'moonlight sonata', ttl: 7 }, opts.searchMs);
      expect(after.filter((h) => isHolder(h, n.holderOf(holderNode)))).toEqual([]);
    });

    it('hits carry a downloadable holder', async () => {
      const n = await open(seeds[0] ?? 1);
      const holders = [holderNode, 0, size - 1];
      for (const i of holders) publish(n, i, [COMPLIANCE_FILES.common]);
      await n.advance(opts.settleMs);
      const hits = await collect(n, searcher, { text: 'common field recording', ttl: 7 }, opts.searchMs);
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) {
        expect(h.holder.ip).toMatch(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
        expect(Number.isInteger(h.holder.port) && h.holder.port >= 1 && h.holder.port <= 65535).toBe(true);
        expect(h.holder.serventId).toMatch(/^[0-9a-f]{32}$/);
        expect(h.holder.needsPush).toBeTypeOf('boolean');
        expect(Number.isInteger(h.hops) && h.hops >= 0).toBe(true);
        const i = holders.find((k) => isHolder(h, n.holderOf(k)));
        expect(i, `hit from an unexpected holder ${JSON.stringify(h.holder)}`).toBeDefined();
      }
    });

    /** Messages sent during `ms` of network time. */
    const growth = async (n: ComplianceNet, ms: number): Promise<number> => {
      const before = n.messagesSent();
      await n.advance(ms);
      return n.messagesSent() - before;
    };
    const background = (b: number): number => b + Math.ceil(b * 0.1);

    it('aborting a search stops its traffic and its callbacks', async () => {
      const n = await open(seeds[0] ?? 1);
      for (let i = 0; i < size; i += 2) if (i !== searcher) publish(n, i, [COMPLIANCE_FILES.common]);
      await n.advance(opts.settleMs);
      const window = opts.settleMs + opts.searchMs;
      const base = await growth(n, window);
      let hits = 0;
      let cancelled = false;
      let afterCancel = 0;
      const before = n.messagesSent();
      const handle = n.router(searcher).startSearch(
        { text: 'common field recording', ttl: 7 },
        {
          hit: () => {
            hits++;
            if (cancelled) afterCancel++;
          },
          end: () => {
            if (cancelled) afterCancel++;
          },
        },
      );
      await n.advance(1);
      handle.cancel();
      cancelled = true;
      handle.cancel(); // idempotent
      await n.advance(opts.settleMs);
      expect(n.messagesSent()).toBeGreaterThan(before);
      expect(await growth(n, window)).toBeLessThanOrEqual(background(base));
      expect(afterCancel).toBe(0);
      // the same search left running does produce hits (so the zero above means something)
      const control = await collect(n, searcher, { text: 'common field recording', ttl: 7 }, opts.searchMs);
      expect(control.length).toBeGreaterThan(0);
      expect(hits).toBeLessThanOrEqual(control.length);
    });

    it('search() yields hits and ends when its signal aborts', async () => {
      const n = await open(seeds[0] ?? 1);
      publish(n, holderNode, [COMPLIANCE_FILES.sonata]);
      await n.advance(opts.settleMs);
      const ac = new AbortController();
      const it = n.router(searcher).search({ text: 'sonata', ttl: 7 }, ac.signal)[Symbol.asyncIterator]();
      const first = it.next();
      await n.advance(opts.searchMs);
      const r = await first;
      expect(r.done).toBe(false);
      expect(r.done === false && isHolder(r.value, n.holderOf(holderNode))).toBe(true);
      ac.abort();
      await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
      await n.advance(opts.settleMs);
      const window = opts.settleMs + opts.searchMs;
      const after = await growth(n, window);
      expect(after).toBeLessThanOrEqual(background(await growth(n, window)));
    });

    it('multi-word searches need every word', async () => {
      const n = await open(seeds[0] ?? 1);
      publish(n, holderNode, [COMPLIANCE_FILES.danube]);
      publish(n, 0, [COMPLIANCE_FILES.monday]);
      await n.advance(opts.settleMs);
      const both = await collect(n, searcher, { text: 'blue danube', ttl: 7 }, opts.searchMs);
      expect(both.map((h) => h.file.name)).toContain(COMPLIANCE_FILES.danube.name);
      expect(both.map((h) => h.file.name)).not.toContain(COMPLIANCE_FILES.monday.name);
      const one = await collect(n, searcher, { text: 'blue', ttl: 7 }, opts.searchMs);
      const names = new Set(one.map((h) => h.file.name));
      expect(names).toEqual(new Set([COMPLIANCE_FILES.danube.name, COMPLIANCE_FILES.monday.name]));
      const none = await collect(n, searcher, { text: 'blue danube remix', ttl: 7 }, opts.searchMs);
      expect(none).toEqual([]);
    });
  });
}
