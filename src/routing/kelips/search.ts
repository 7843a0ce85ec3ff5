/**
 * Searches over lookups: `startKelipsSearch` turns a query into one lookup (the urn, or
 * the longest word — our proxy for the rarest — hashed to its group), filters the answer
 * with every word and the urn again (a hostile responder cannot add hits that do not
 * match), drops our own files and duplicates, and reports `SearchHit`s whose `hops` is the
 * lookup's request count. `bareLookup` is the same lookup without the Gnutella wrapping
 * (simulator experiments, tests).
 */
import { keywords, matchesAll } from '../../core/keywords.js';
import { KelipsLimits } from '../../protocol/kelips/constants.js';
import type { KelipsTuple } from '../../protocol/kelips/messages.js';
import { canonicalSha1Urn } from '../../protocol/urn.js';
import type { SearchHandle, SearchHit, SearchRequest, SearchSink } from '../types.js';
import { KELIPS_DEFAULTS } from './config.js';
import type { ActiveLookup, LookupSpec } from './lookup.js';
import type { KelipsNode } from './node.js';
import type { KelipsLookupResult } from './types.js';

/** hits one search delivers at most */
const MAX_HITS_PER_SEARCH = 1000;

export function bareLookup(
  node: KelipsNode,
  key: string,
  words: readonly string[],
  cb: (r: KelipsLookupResult) => void,
): { cancel(): void } {
  const spec: LookupSpec = {
    key,
    words,
    urn: key.startsWith('urn:') ? key : undefined,
    maxResults: node.cfg?.maxResults ?? KELIPS_DEFAULTS.maxResults,
  };
  // the callbacks may run inside begin() (a local answer), before it returns
  const box: { l: ActiveLookup | undefined } = { l: undefined };
  const l = node.begin(spec, {
    answer: (tuples, rpcs) => {
      node.c.lookupsAnswered++;
      cb({ ok: true, rpcs, timeouts: box.l?.timeouts ?? 0, tuples });
    },
    fail: () => {
      node.c.lookupsFailed++;
      cb({ ok: false, rpcs: box.l?.sent ?? 0, timeouts: box.l?.timeouts ?? 0, tuples: [] });
    },
  });
  box.l = l;
  if (l === undefined) cb({ ok: false, rpcs: 0, timeouts: 0, tuples: [] });
  return { cancel: () => l?.end() };
}

export function startKelipsSearch(node: KelipsNode, q: SearchRequest, sink: SearchSink): SearchHandle {
  const words = keywords(q.text).filter((w) => Buffer.byteLength(w, 'utf8') <= KelipsLimits.MAX_WORD_BYTES);
  const urn = q.urn === undefined ? undefined : canonicalSha1Urn(q.urn);
  const cfg = node.cfg;
  let key: string | undefined = urn;
  // the rarest word is the one to hash; length is our proxy for rarity
  if (key === undefined) for (const w of words) if (key === undefined || w.length > key.length) key = w;
  if (cfg === undefined || key === undefined || (q.urn !== undefined && urn === undefined)) {
    sink.end('failed');
    return { cancel: () => {} };
  }
  const maxHits = Math.min(q.maxHits ?? MAX_HITS_PER_SEARCH, MAX_HITS_PER_SEARCH);
  const spec: LookupSpec = {
    key,
    words: words.slice(0, KelipsLimits.MAX_WORDS),
    urn,
    maxResults: Math.min(cfg.maxResults, maxHits),
  };
  const seen = new Set<string>();
  const own = node.init.holder;
  let hits = 0;
  const l = node.begin(spec, {
    answer: (tuples, rpcs) => {
      node.c.lookupsAnswered++;
      for (const t of tuples) {
        if (!cfg.includeOwnFiles && t.serventId === own.serventId && t.ip === own.ip && t.port === own.port)
          continue;
        if (urn !== undefined && t.urn !== urn) continue;
        if (words.length > 0 && !matchesAll(words, new Set(keywords(t.name)))) continue;
        const id = `${t.ip}:${t.port}/${t.index}/${t.serventId}`;
        if (seen.has(id)) continue;
        seen.add(id);
        sink.hit(toHit(t, rpcs));
        if (++hits >= maxHits) {
          sink.end('limit');
          return;
        }
      }
      sink.end('complete');
    },
    fail: (reason) => {
      node.c.lookupsFailed++;
      sink.end(reason);
    },
  });
  if (l === undefined) {
    sink.end('failed');
    return { cancel: () => {} };
  }
  return { cancel: () => l.end() };
}

function toHit(t: KelipsTuple, rpcs: number): SearchHit {
  return {
    holder: { ip: t.ip, port: t.port, serventId: t.serventId, needsPush: false },
    file: { index: t.index, name: t.name, size: t.size, urn: t.urn },
    hops: rpcs,
    backend: 'kelips',
  };
}
