/**
 * Keyword and urn search over the pointer store. A multi-word query looks up ONE key —
 * the longest keyword (longer words tend to be rarer; ties: alphabetical first) — and
 * the owner filters that key's pointers by the whole keyword set, applied to the file
 * name each pointer carries (the core/keywords rule), so one lookup answers an
 * intersection. A urn query looks up the urn itself. The searcher re-checks every
 * pointer (a hostile owner cannot inject non-matching hits) and drops duplicates.
 *
 * The key's owner is asked first; when it has nothing for the query, its successor (a
 * replica holder, and the previous owner if the owner just joined) is asked once.
 *
 * Hit `hops` = the lookup's path length in the papers' convention (nodes that answered a
 * FIND up to the key's predecessor; 0 when our own state resolved the key).
 */
import { keywords, matchesAll } from '../../core/keywords.js';
import { ChordLimits } from '../../protocol/chord/constants.js';
import { canonicalSha1Urn } from '../../protocol/chord/base32.js';
import type { ChordPointer, NodeRef } from '../../protocol/chord/messages.js';
import type { TimerHandle } from '../../core/clock.js';
import type { SearchEndReason, SearchHandle, SearchRequest, SearchSink } from '../types.js';
import { fetchPage } from './handlers.js';
import { startLookup } from './lookup.js';
import type { LookupHandle } from './lookup.js';
import type { ChordNode } from './node.js';

/** the key a query looks up: the urn, else its longest keyword */
export function searchKey(words: readonly string[], urn: string | undefined): string | undefined {
  if (urn !== undefined) return urn;
  let best: string | undefined;
  for (const w of words) {
    if (best === undefined || w.length > best.length || (w.length === best.length && w < best)) best = w;
  }
  return best;
}

export function startChordSearch(node: ChordNode, q: SearchRequest, sink: SearchSink): SearchHandle {
  const words = keywords(q.text);
  const urn = q.urn !== undefined ? canonicalSha1Urn(q.urn) : undefined;
  const keyText = searchKey(words, urn);
  // words carried to the owner (the wire caps them); all of them are re-checked here
  const wireWords = words
    .filter((w) => Buffer.byteLength(w, 'utf8') <= ChordLimits.MAX_WORD_BYTES)
    .slice(0, ChordLimits.MAX_WORDS);
  const wordSet = words;
  const maxHits = q.maxHits ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  const h = node.holder;
  let ended = false;
  let hits = 0;
  let hops = 0;
  let rid = 0;
  let lookup: LookupHandle | undefined;
  const timers: { end: TimerHandle | undefined; kickoff: TimerHandle | undefined } = {
    end: undefined,
    kickoff: undefined,
  };
  node.counters.searches++;

  const stop = (): boolean => {
    if (ended) return false;
    ended = true;
    node.clock.clearTimeout(timers.end);
    node.clock.clearTimeout(timers.kickoff);
    lookup?.cancel();
    node.rpc.cancel(rid);
    return true;
  };
  const end = (reason: SearchEndReason): void => {
    if (stop()) sink.end(reason);
  };

  const deliver = (p: ChordPointer): void => {
    if (ended) return;
    if (urn !== undefined && p.urn !== urn) return;
    if (wordSet.length > 0 && !matchesAll(wordSet, new Set(keywords(p.name)))) return;
    if (!node.cfg.includeOwnFiles && p.serventId === h.serventId && p.ip === h.ip && p.port === h.port)
      return;
    const id = `${p.ip}:${p.port}/${p.index}/${p.urn ?? p.name}`;
    if (seen.has(id)) return;
    seen.add(id);
    hits++;
    sink.hit({
      holder: { ip: p.ip, port: p.port, serventId: p.serventId, needsPush: false },
      file: { index: p.index, name: p.name, size: p.size, urn: p.urn },
      hops,
      backend: 'chord',
    });
    if (hits >= maxHits) end('limit');
  };

  /** pages of the key's pointers from owners[i], falling back along the replica list */
  const fetch = (key: string, owners: readonly NodeRef[], i: number, offset: number, page: number): void => {
    if (ended) return;
    const owner = owners[i];
    if (owner === undefined) return end('failed');
    if (node.isLocal(owner)) {
      const res = fetchPage(node, key, wireWords, urn, offset);
      for (const p of res.pointers) deliver(p);
      if (ended) return;
      if (res.next !== undefined && page + 1 < node.cfg.maxFetchPages)
        fetch(key, owners, i, res.next, page + 1);
      else if (offset === 0 && res.pointers.length === 0 && i === 0 && owners.length > 1)
        fetch(key, owners, 1, 0, page);
      else end('complete');
      return;
    }
    const v = node.closestLocal(key);
    rid = node.request(
      owner,
      node.cfg.rpcTimeoutMs,
      (r) => ({
        type: 'fetch',
        rid: r,
        srcId: v.self.id,
        srcVn: v.self.vn,
        dstVn: owner.vn,
        key,
        words: wireWords,
        urn,
        offset,
      }),
      (reply) => {
        rid = 0;
        if (ended) return;
        if (reply === undefined) {
          node.timedOut(owner);
          return fetch(key, owners, i + 1, 0, page);
        }
        if (reply.type !== 'fetch-res') return end('failed');
        for (const p of reply.pointers) deliver(p);
        if (ended) return;
        if (reply.next !== undefined && reply.next > offset && page + 1 < node.cfg.maxFetchPages) {
          fetch(key, owners, i, reply.next, page + 1);
        } else if (offset === 0 && reply.pointers.length === 0 && i === 0 && owners.length > 1) {
          // nothing at the owner: it may have just joined and not received the pointers
          // yet; its successor (the previous owner, a replica holder) is asked once
          fetch(key, owners, 1, 0, page);
        } else end('complete');
      },
    );
  };

  // everything starts on the next tick: no callback ever runs inside startSearch
  timers.kickoff = node.clock.setTimeout(() => {
    timers.kickoff = undefined;
    if (!node.running) return end('failed');
    if (keyText === undefined) return end('complete');
    const key = node.keyId(keyText);
    lookup = startLookup(node, node.closestLocal(key), key, { confirm: false, count: true }, (r) => {
      lookup = undefined;
      if (ended) return;
      if (!r.ok) return end('failed');
      hops = r.hops;
      fetch(key, r.replicas, 0, 0, 0);
    });
  }, 0);
  timers.end = node.clock.setTimeout(() => end('timeout'), node.cfg.searchTimeoutMs);
  return {
    cancel: () => {
      stop();
    },
  };
}
