/**
 * The file workload: a catalogue of F distinct files, their placement on nodes, and the
 * bookkeeping that tells whether a hit names a live node that really holds the file.
 *
 * File k is named "sim<k>" (one keyword, unique to the file, so keyword-hashing DHTs
 * see no artificial hot spot) and has a fixed fake urn:sha1 derived from k.
 *
 * Placement:
 * - `replicas`: each file on r distinct nodes drawn uniformly (the classic "replication
 *   ratio" experiment; joining nodes get nothing);
 * - `zipf`: each node holds c distinct files drawn by Zipf popularity, so popular files
 *   have many replicas (joining nodes draw theirs the same way).
 */
import { ConfigError } from '../core/errors.js';
import { keywords } from '../core/keywords.js';
import type { Rng } from '../core/rng.js';
import type { SharedFileInfo } from '../routing/types.js';
import { Zipf } from './zipf.js';

export interface SimFile {
  readonly id: number;
  readonly name: string;
  /** the file's single keyword (= its name) */
  readonly keyword: string;
  readonly urn: string;
  readonly size: number;
}

export type PlacementSpec =
  | { readonly kind: 'replicas'; readonly files: number; readonly replicas: number }
  | { readonly kind: 'zipf'; readonly files: number; readonly perNode: number; readonly exponent: number };

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** A fixed fake `urn:sha1:` for file k: 160 bits from a hash of k, base32 (32 chars). */
export function simUrn(k: number): string {
  let out = 'urn:sha1:';
  let acc = 0;
  let bits = 0;
  let word = 0;
  for (let w = 0; w < 5; w++) {
    word = mix32((k + 1) * 0x9e3779b1 + w * 0x632be5ab + word);
    for (let byte = 0; byte < 4; byte++) {
      acc = (acc << 8) | ((word >>> (24 - 8 * byte)) & 0xff);
      bits += 8;
      while (bits >= 5) {
        out += BASE32[(acc >>> (bits - 5)) & 31];
        bits -= 5;
      }
      acc &= (1 << bits) - 1;
    }
  }
  return out;
}

export function simFile(k: number): SimFile {
  const name = `sim${k}`;
  return { id: k, name, keyword: name, urn: simUrn(k), size: 1024 + (mix32(k) % (8 << 20)) };
}

/** File id of a "sim<k>" name, or −1. */
export function simFileId(name: string): number {
  if (!name.startsWith('sim')) return -1;
  const rest = name.slice(3);
  if (!/^\d{1,9}$/.test(rest)) return -1;
  return Number(rest);
}

export function sharedFileInfo(file: SimFile, index: number): SharedFileInfo {
  return { index, name: file.name, size: file.size, urn: file.urn, keywords: keywords(file.name) };
}

/** Who holds what. Per node a short list of file ids; per file a count of live replicas. */
export class Placement {
  readonly files: number;
  private readonly nodeFiles: (Int32Array | undefined)[] = [];
  private liveReplicas: Int32Array;
  private readonly zipf: Zipf | undefined;

  constructor(
    private readonly spec: PlacementSpec,
    private readonly rng: Rng,
  ) {
    if (!Number.isInteger(spec.files) || spec.files < 1) {
      throw new ConfigError('SIM_WORKLOAD', `workload needs ≥ 1 file, got ${spec.files}`);
    }
    this.files = spec.files;
    this.liveReplicas = new Int32Array(spec.files);
    this.zipf = spec.kind === 'zipf' ? new Zipf(spec.files, spec.exponent) : undefined;
  }

  /** Places files on the initial nodes 0..n−1. */
  placeInitial(n: number): void {
    const spec = this.spec;
    if (spec.kind === 'replicas') {
      const r = Math.min(spec.replicas, n);
      const lists: number[][] = [];
      for (let f = 0; f < spec.files; f++) {
        for (const node of sampleDistinct(this.rng, n, r)) {
          let l = lists[node];
          if (l === undefined) {
            l = [];
            lists[node] = l;
          }
          l.push(f);
        }
      }
      lists.forEach((l, node) => this.assign(node, l));
    } else {
      for (let node = 0; node < n; node++) this.placeOnJoin(node);
    }
  }

  /** Files a node joining later holds (zipf placement only). */
  placeOnJoin(node: number): void {
    const spec = this.spec;
    if (spec.kind !== 'zipf' || this.zipf === undefined) return;
    const c = Math.min(spec.perNode, spec.files);
    const picked: number[] = [];
    let guard = 0;
    while (picked.length < c && guard++ < 100 * c + 100) {
      const f = this.zipf.sample(this.rng);
      if (!picked.includes(f)) picked.push(f);
    }
    this.assign(node, picked);
  }

  filesOf(node: number): readonly number[] {
    const l = this.nodeFiles[node];
    return l === undefined ? [] : Array.from(l);
  }

  holds(node: number, file: number): boolean {
    const l = this.nodeFiles[node];
    return l !== undefined && l.includes(file);
  }

  liveReplicasOf(file: number): number {
    return this.liveReplicas[file] ?? 0;
  }

  /** The node died: its replicas no longer count. */
  nodeGone(node: number): void {
    const l = this.nodeFiles[node];
    if (l === undefined) return;
    for (const f of l) this.liveReplicas[f] = (this.liveReplicas[f] as number) - 1;
  }

  private assign(node: number, files: readonly number[]): void {
    if (files.length === 0) return;
    this.nodeFiles[node] = Int32Array.from(files);
    for (const f of files) this.liveReplicas[f] = (this.liveReplicas[f] as number) + 1;
  }
}

/** k distinct integers from [0, n), by Floyd's algorithm (O(k) memory). */
export function sampleDistinct(rng: Rng, n: number, k: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    const v = seen.has(t) ? j : t;
    seen.add(v);
    out.push(v);
  }
  return out;
}
