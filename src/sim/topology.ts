/**
 * Overlay topologies for link-mode back-ends. A generator returns the edge list as a
 * flat Int32Array of (a, b) pairs (4 bytes per endpoint, so a 10^6-node 4-regular graph
 * is 16 MB), built from an injected `Rng`.
 */
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

export type TopologySpec =
  | { readonly kind: 'regular'; readonly degree: number }
  | { readonly kind: 'powerlaw'; readonly m: number }
  | { readonly kind: 'ring'; readonly k: number };

export function buildTopology(n: number, spec: TopologySpec, rng: Rng): Int32Array {
  switch (spec.kind) {
    case 'regular':
      return randomRegular(n, spec.degree, rng);
    case 'powerlaw':
      return preferentialAttachment(n, spec.m, rng);
    case 'ring':
      return ring(n, spec.k);
  }
}

/** Mean degree a topology gives its nodes (what joining nodes aim for). */
export function targetDegree(spec: TopologySpec): number {
  switch (spec.kind) {
    case 'regular':
      return spec.degree;
    case 'powerlaw':
      return spec.m;
    case 'ring':
      return 2 * spec.k;
  }
}

/**
 * A random d-regular simple graph: the pairing (configuration) model on n·d stubs,
 * then each self-loop or repeated edge is repaired by a random double edge swap with
 * an accepted edge. The result is exactly d-regular and simple; for small d it is close
 * to uniform over d-regular graphs.
 */
export function randomRegular(n: number, d: number, rng: Rng): Int32Array {
  if (!Number.isInteger(d) || d < 1) throw new ConfigError('SIM_TOPOLOGY', `degree must be ≥ 1, got ${d}`);
  if (n <= d)
    throw new ConfigError('SIM_TOPOLOGY', `a ${d}-regular graph needs more than ${d} nodes, got ${n}`);
  if ((n * d) % 2 !== 0)
    throw new ConfigError('SIM_TOPOLOGY', `n·d must be even for a regular graph (${n}·${d})`);
  // Dense graphs (d > (n−1)/2, so n < 2d): the complement of a sparse regular graph.
  if (2 * d > n - 1)
    return complement(n, n - 1 - d === 0 ? new Int32Array(0) : randomRegular(n, n - 1 - d, rng));
  for (let attempt = 0; attempt < 10; attempt++) {
    const edges = tryRandomRegular(n, d, rng);
    if (edges !== undefined) return edges;
  }
  throw new ConfigError('SIM_TOPOLOGY', `could not build a ${d}-regular graph on ${n} nodes`);
}

function complement(n: number, edges: Int32Array): Int32Array {
  const present = new Set<number>();
  for (let i = 0; i < edges.length; i += 2) {
    const a = edges[i] as number;
    const b = edges[i + 1] as number;
    present.add(Math.min(a, b) * n + Math.max(a, b));
  }
  const out: number[] = [];
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (!present.has(a * n + b)) out.push(a, b);
  return Int32Array.from(out);
}

function tryRandomRegular(n: number, d: number, rng: Rng): Int32Array | undefined {
  const stubs = new Int32Array(n * d);
  for (let i = 0; i < n * d; i++) stubs[i] = Math.floor(i / d);
  shuffleInt32(rng, stubs);
  const nbr = new Int32Array(n * d);
  const deg = new Int32Array(n);
  const has = (a: number, b: number): boolean => {
    const base = a * d;
    const end = base + (deg[a] as number);
    for (let k = base; k < end; k++) if (nbr[k] === b) return true;
    return false;
  };
  const add = (a: number, b: number): void => {
    nbr[a * d + (deg[a] as number)] = b;
    deg[a] = (deg[a] as number) + 1;
  };
  const del = (a: number, b: number): void => {
    const base = a * d;
    const last = base + (deg[a] as number) - 1;
    for (let k = base; k <= last; k++) {
      if (nbr[k] === b) {
        nbr[k] = nbr[last] as number;
        deg[a] = (deg[a] as number) - 1;
        return;
      }
    }
  };
  const edgeCount = (n * d) / 2;
  const edges = new Int32Array(2 * edgeCount);
  let e = 0;
  const bad: number[] = [];
  for (let i = 0; i < n * d; i += 2) {
    const a = stubs[i] as number;
    const b = stubs[i + 1] as number;
    if (a === b || has(a, b)) {
      bad.push(a, b);
      continue;
    }
    add(a, b);
    add(b, a);
    edges[2 * e] = a;
    edges[2 * e + 1] = b;
    e++;
  }
  // Repair: replace a bad pair (a,b) and an accepted edge (u,v) by (a,u) and (b,v).
  for (let p = 0; p < bad.length; p += 2) {
    const a = bad[p] as number;
    const b = bad[p + 1] as number;
    let done = false;
    for (let attempt = 0; attempt < 10_000 && !done && e > 0; attempt++) {
      const k = rng.int(e);
      const flip = rng.int(2) === 1;
      const u = edges[2 * k + (flip ? 1 : 0)] as number;
      const v = edges[2 * k + (flip ? 0 : 1)] as number;
      del(u, v);
      del(v, u);
      if (a !== u && !has(a, u)) {
        add(a, u);
        add(u, a);
        if (b !== v && !has(b, v)) {
          add(b, v);
          add(v, b);
          edges[2 * k] = a;
          edges[2 * k + 1] = u;
          edges[2 * e] = b;
          edges[2 * e + 1] = v;
          e++;
          done = true;
          continue;
        }
        del(a, u);
        del(u, a);
      }
      add(u, v);
      add(v, u);
    }
    if (!done) return undefined;
  }
  return edges;
}

/**
 * Barabási–Albert preferential attachment: a clique of m+1 nodes, then each new node
 * links to m distinct existing nodes chosen with probability proportional to degree
 * (uniform pick from the list of all edge endpoints). Degrees follow a power law with
 * exponent ≈ 3; mean degree ≈ 2m.
 */
export function preferentialAttachment(n: number, m: number, rng: Rng): Int32Array {
  if (!Number.isInteger(m) || m < 1)
    throw new ConfigError('SIM_TOPOLOGY', `powerlaw m must be ≥ 1, got ${m}`);
  if (n <= m)
    throw new ConfigError('SIM_TOPOLOGY', `powerlaw with m=${m} needs more than ${m} nodes, got ${n}`);
  const seedNodes = m + 1;
  const edgeCount = (seedNodes * m) / 2 + (n - seedNodes) * m;
  const edges = new Int32Array(2 * edgeCount);
  let e = 0;
  for (let a = 0; a < seedNodes; a++) {
    for (let b = a + 1; b < seedNodes; b++) {
      edges[2 * e] = a;
      edges[2 * e + 1] = b;
      e++;
    }
  }
  const chosen = new Int32Array(m);
  for (let v = seedNodes; v < n; v++) {
    const pool = 2 * e;
    let c = 0;
    while (c < m) {
      const t = edges[rng.int(pool)] as number;
      let dup = false;
      for (let j = 0; j < c; j++) if (chosen[j] === t) dup = true;
      if (!dup) chosen[c++] = t;
    }
    for (let j = 0; j < m; j++) {
      edges[2 * e] = v;
      edges[2 * e + 1] = chosen[j] as number;
      e++;
    }
  }
  return edges;
}

/** Each node linked to its k successors on a ring (degree 2k). Deterministic; for tests. */
export function ring(n: number, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 1 || 2 * k >= n) {
    throw new ConfigError('SIM_TOPOLOGY', `ring needs 1 ≤ k < n/2, got k=${k}, n=${n}`);
  }
  const edges = new Int32Array(2 * n * k);
  let e = 0;
  for (let a = 0; a < n; a++) {
    for (let j = 1; j <= k; j++) {
      edges[e++] = a;
      edges[e++] = (a + j) % n;
    }
  }
  return edges;
}

/** Degree of every node for an edge list. */
export function degrees(n: number, edges: Int32Array): Int32Array {
  const deg = new Int32Array(n);
  for (let i = 0; i < edges.length; i++) {
    const v = edges[i] as number;
    deg[v] = (deg[v] as number) + 1;
  }
  return deg;
}

function shuffleInt32(rng: Rng, a: Int32Array): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}
