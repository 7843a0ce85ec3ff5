/** Shared bits of the Kelips router tests. */
import { createHash } from 'node:crypto';
import { keywords } from '../../src/core/keywords.js';
import { sha1Urn } from '../../src/protocol/urn.js';
import type { SearchEndReason, SearchHit, SharedFileInfo } from '../../src/routing/types.js';
import type { KelipsTestNet } from './kelips-net.js';

export function file(index: number, name: string, size = 1000 + index): SharedFileInfo {
  return {
    index,
    name,
    size,
    urn: sha1Urn(createHash('sha1').update(name).digest()),
    keywords: keywords(name),
  };
}

/**
 * Every node learns every other node directly (its group → view, others → the first c per
 * group met). Node i meets them starting from node 7i, so contacts differ between nodes.
 */
export function installAll(net: KelipsTestNet, except: readonly number[] = []): void {
  const all = net.addrs.filter((_, i) => !except.includes(i)).map((addr) => ({ addr, hb: 0, ageS: 0 }));
  net.nodes.forEach((n, i) => {
    if (except.includes(i)) return;
    const at = (7 * i) % all.length;
    n.installMembers([...all.slice(at), ...all.slice(0, at)]);
  });
}

/** `holder` shares `f`, and every member of each key's group already holds its tuple */
export function installFile(net: KelipsTestNet, holder: number, f: SharedFileInfo): void {
  const tuples = net.node(holder).tuplesFor([f]);
  net.node(holder).adopt([f]);
  for (const n of net.nodes) n.installTuples(tuples);
}

export interface Collected {
  hits: SearchHit[];
  end: SearchEndReason | undefined;
}

export function search(net: KelipsTestNet, from: number, text: string, ms = 5000, urn?: string): Collected {
  const out: Collected = { hits: [], end: undefined };
  net.node(from).startSearch(urn === undefined ? { text } : { text, urn }, {
    hit: (h) => out.hits.push(h),
    end: (r) => {
      out.end ??= r;
    },
  });
  net.advance(ms);
  return out;
}

/** a node of `group` other than those in `not` */
export function nodeIn(net: KelipsTestNet, group: number, not: readonly number[] = []): number {
  const i = net.nodes.findIndex((n, j) => n.group === group && !not.includes(j) && !net.isDead(j));
  if (i < 0) throw new Error(`no node in group ${group}`);
  return i;
}

/** a node not in `group` */
export function nodeNotIn(net: KelipsTestNet, group: number, not: readonly number[] = []): number {
  const i = net.nodes.findIndex((n, j) => n.group !== group && !not.includes(j) && !net.isDead(j));
  if (i < 0) throw new Error(`no node outside group ${group}`);
  return i;
}
