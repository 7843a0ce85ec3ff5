/**
 * The Chord back-end in the simulator: the real `createChordRouter` in addressed mode,
 * its messages sized by the real codec (`chordMessageSize`).
 *
 * Params (scenario "params"): any ChordInit option listed in CHORD_PARAM_KEYS (idBits,
 * successors, virtualNodes, lookupMode, stabilizeMs, maintenance, …) and
 * - `stable` (default true): the initial nodes start from the state a ring converges to
 *   (every ring position sorted, then predecessor, r successors and fingers installed
 *   directly — how a 10^6-node ring is built); false: they join one by one through
 *   node 0 at time 0 and stabilisation builds the ring.
 * Nodes joining later (churn) always join through a live contact.
 * Lookup traffic (FIND/FOUND/RFIND/FETCH of searches) is 'lookup'; maintenance,
 * publication and replication are 'background' (the header's bg flag says which).
 */
import { ScenarioError } from '../check.js';
import { simAddress, simServentId } from '../address.js';
import { chordMessageSize } from '../../protocol/chord/encode.js';
import type { ChordMessage, NodeRef } from '../../protocol/chord/messages.js';
import { ChordNode, CHORD_DEFAULTS, resolveChordConfig } from '../../routing/chord/index.js';
import type { ChordConfig, ChordInit, ChordRouter } from '../../routing/chord/index.js';
import type { ReferencePoint, ReferenceValue, SimBackend, SimParams } from '../backend.js';
import type { SimulationConfig } from '../config.js';
import { Simulation } from '../simulation.js';
import { createRng } from '../../core/rng.js';

/** ChordInit options a scenario may set (numbers, booleans, lookupMode). */
export const CHORD_PARAM_KEYS = [
  'idBits',
  'virtualNodes',
  'expectedNodes',
  'successors',
  'replicas',
  'lookupMode',
  'candidates',
  'rpcTimeoutMs',
  'lookupTimeoutMs',
  'maxLookupHops',
  'maxPendingRpcs',
  'stabilizeMs',
  'fixFingersMs',
  'fingersPerRound',
  'checkPredecessorMs',
  'maintenance',
  'joinRetryMs',
  'republishMs',
  'pointerTtlMs',
  'sweepMs',
  'maxPointersPerKey',
  'maxPointers',
  'publishConcurrency',
  'searchTimeoutMs',
  'maxFetchPages',
  'includeOwnFiles',
  'indexUrns',
] as const satisfies readonly (keyof ChordInit)[];

const EXTRA_KEYS = ['stable'] as const;

function validateChordParams(params: SimParams): void {
  for (const [k, v] of Object.entries(params)) {
    const path = `params.${k}`;
    if (k === 'stable') {
      if (typeof v !== 'boolean') throw new ScenarioError('SIM_SCENARIO_FIELD', path, 'must be a boolean');
      continue;
    }
    if (k === 'lookupMode') {
      if (v !== 'iterative' && v !== 'recursive') {
        throw new ScenarioError('SIM_SCENARIO_FIELD', path, 'must be "iterative" or "recursive"');
      }
      continue;
    }
    if (!(CHORD_PARAM_KEYS as readonly string[]).includes(k)) {
      throw new ScenarioError(
        'SIM_SCENARIO_UNKNOWN',
        path,
        `unknown chord parameter (known: ${[...EXTRA_KEYS, ...CHORD_PARAM_KEYS].join(', ')})`,
      );
    }
    const known = (CHORD_DEFAULTS as Record<string, unknown>)[k];
    const expected = typeof known === 'boolean' ? 'boolean' : 'number';
    if (typeof v !== expected || (typeof v === 'number' && (!Number.isInteger(v) || v < 0))) {
      throw new ScenarioError(
        'SIM_SCENARIO_FIELD',
        path,
        `must be ${expected === 'number' ? 'an integer ≥ 0' : 'a boolean'}`,
      );
    }
  }
}

function initOverrides(params: SimParams): Partial<ChordInit> {
  const out: Record<string, unknown> = {};
  for (const k of CHORD_PARAM_KEYS) if (params[k] !== undefined) out[k] = params[k];
  return out as Partial<ChordInit>;
}

/**
 * One resolved configuration per run (per params object), shared by all its routers:
 * at 10^6 nodes a per-node copy would cost hundreds of megabytes.
 */
const configs = new WeakMap<SimParams, ChordConfig>();

function configFor(params: SimParams): ChordConfig {
  let c = configs.get(params);
  if (c === undefined) {
    c = resolveChordConfig({ expectedNodes: CHORD_DEFAULTS.expectedNodes, ...initOverrides(params) });
    configs.set(params, c);
  }
  return c;
}

/**
 * Reference values for a point: the papers' analytic path length — ½·log2 N with a
 * successor list of 1 (SIGCOMM §6.3), ½·log2 N − ½·log2 r + 1 with r successors
 * (ToN §V-D) — in the papers' hop convention, which is ours.
 */
function chordReference(p: ReferencePoint): readonly ReferenceValue[] {
  const vn = typeof p.params['virtualNodes'] === 'number' ? p.params['virtualNodes'] : 1;
  const n = p.nodes * vn;
  if (n < 2) return [];
  const r =
    typeof p.params['successors'] === 'number' ? p.params['successors'] : 2 * Math.ceil(Math.log2(1024));
  const half = 0.5 * Math.log2(n);
  if (r <= 1) return [{ label: '½·log2 N', metric: 'hops.mean', value: half }];
  return [
    {
      label: '½·log2 N − ½·log2 r + 1',
      metric: 'hops.mean',
      value: Math.max(1, half - 0.5 * Math.log2(r) + 1),
    },
  ];
}

/** Every ring position of the given routers, sorted by identifier. */
export function sortedRing(routers: readonly (ChordRouter | undefined)[]): NodeRef[] {
  const refs: NodeRef[] = [];
  for (const r of routers) if (r !== undefined) for (const v of r.vnodes) refs.push(v);
  return refs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export const chordBackend: SimBackend<ChordMessage> = {
  name: 'chord',
  mode: 'addressed',
  sizeOf: chordMessageSize,
  classify(m) {
    switch (m.type) {
      case 'find':
      case 'found':
      case 'rfind':
      case 'rfind-ack':
        return m.bg ? 'background' : 'lookup';
      case 'fetch':
      case 'fetch-res':
        return 'lookup';
      default:
        return 'background';
    }
  },
  validateParams: validateChordParams,
  reference: chordReference,
  createNode(components, ctx) {
    const stable = ctx.params['stable'] !== false;
    // without a stable start, the initial nodes join through node 0 (all at time 0)
    const boot = ctx.contacts[0] ?? (!stable && ctx.index > 0 ? simAddress(0) : undefined);
    const holder = { ip: ctx.ip, port: ctx.port, serventId: simServentId(ctx.index).toString('hex') };
    return new ChordNode(components, configFor(ctx.params), holder, boot);
  },
  bootstrap(nodes, ctx) {
    if (ctx.params['stable'] === false) return;
    const routers = nodes as readonly (ChordRouter | undefined)[];
    const ring = { refs: sortedRing(routers) };
    for (const r of routers) r?.installStable(ring);
  },
};

// ---- bare-lookup probes (the Chord papers' experiments) ------------------------------

/**
 * The live ring as the papers define success against: every joined ring position of
 * every running router, sorted. Rebuilt only when the population may have changed.
 */
export class ChordOracle {
  private ring: NodeRef[] = [];
  private version = -1;
  private incomplete = true;

  constructor(private readonly sim: Simulation<ChordMessage>) {}

  /** the current owner (successor) of `key` */
  owner(key: string): NodeRef | undefined {
    this.refresh();
    const ring = this.ring;
    if (ring.length === 0) return undefined;
    let lo = 0;
    let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ring[mid] as NodeRef).id < key) lo = mid + 1;
      else hi = mid;
    }
    return ring[lo === ring.length ? 0 : lo];
  }

  private refresh(): void {
    const c = this.sim.churnCounts;
    const v = c.joins + c.leaves + c.failures + c.massFailed;
    if (v === this.version && !this.incomplete) return;
    this.version = v;
    const net = this.sim.network;
    const refs: NodeRef[] = [];
    this.incomplete = false;
    for (let k = 0; k < net.liveNodes(); k++) {
      const r = this.sim.router(net.liveAt(k)) as ChordRouter | undefined;
      if (r === undefined) continue;
      const joined = r.joinedVnodes();
      if (joined.length < r.vnodes.length) this.incomplete = true;
      for (const ref of joined) refs.push(ref);
    }
    this.ring = refs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

export interface ProbeOptions {
  /** bare lookups to issue */
  readonly lookups: number;
  /** Poisson arrivals, network-wide, per simulated second */
  readonly ratePerSec: number;
  readonly startMs: number;
  /** seed of the probe's own choices (nodes, keys) */
  readonly seed: number;
  /** ping the owner and fall back along the replica list (default true) */
  readonly confirm?: boolean;
}

export interface ProbeResult {
  /** judged lookups (issued minus abandoned) */
  readonly lookups: number;
  /** lookups whose initiator died before they finished (not judged) */
  readonly abandoned: number;
  /** not finished with the key's current owner */
  readonly failed: number;
  /** of those: finished, but with another node than the current owner */
  readonly wrongOwner: number;
  /** hops (papers' convention) of successful lookups: index = hops */
  readonly hops: readonly number[];
  /** timeouts per lookup, all lookups: index = timeouts */
  readonly timeouts: readonly number[];
  readonly simulatedMs: number;
  readonly events: number;
  readonly liveAtEnd: number;
}

/**
 * Runs `config` (its nodes, params, network and churn; its workload is ignored) and
 * issues bare lookups of uniformly random keys from random joined nodes, each judged
 * against the live ring when it completes.
 */
export async function probeLookups(config: SimulationConfig, o: ProbeOptions): Promise<ProbeResult> {
  const { workload: _ignored, ...rest } = config;
  const sim = new Simulation(chordBackend, rest);
  await sim.setup();
  const oracle = new ChordOracle(sim);
  const rng = createRng(o.seed);
  const hops: number[] = [];
  const timeouts: number[] = [];
  const bump = (h: number[], k: number): void => {
    while (h.length <= k) h.push(0);
    h[k] = (h[k] as number) + 1;
  };
  let failed = 0;
  let wrong = 0;
  let done = 0;
  let issued = 0;
  /** initiators of the lookups still running */
  const running = new Map<number, number>();
  let seq = 0;
  const issue = (): void => {
    const net = sim.network;
    let router: ChordRouter | undefined;
    let at = -1;
    for (let tries = 0; tries < 100 && router === undefined; tries++) {
      at = net.liveAt(rng.int(net.liveNodes()));
      const r = sim.router(at) as ChordRouter | undefined;
      if (r !== undefined && r.joinedVnodes().length === r.vnodes.length) router = r;
    }
    if (router === undefined) return;
    const key = router.space.random(() => rng.uint32());
    issued++;
    const id = seq++;
    running.set(id, at);
    router.lookup(
      key,
      (res) => {
        running.delete(id);
        done++;
        bump(timeouts, res.timeouts);
        const truth = oracle.owner(key);
        if (res.ok && res.owner !== undefined && truth !== undefined && res.owner.id === truth.id) {
          bump(hops, res.hops);
          return;
        }
        failed++;
        if (res.ok) wrong++;
      },
      { confirm: o.confirm ?? true },
    );
  };
  let t = o.startMs;
  for (let k = 0; k < o.lookups; k++) {
    t += (-Math.log(1 - rng.float()) * 1000) / o.ratePerSec;
    sim.at(t, issue);
  }
  sim.advance(t - sim.now());
  // every lookup ends by its own deadline, unless its initiator died meanwhile (a dead
  // node's timers never fire): those are not counted, as in the papers
  const orphans = (): number => {
    let n = 0;
    for (const node of running.values()) if (!sim.network.isAlive(node)) n++;
    return n;
  };
  for (let guard = 0; done + orphans() < issued && guard < 1000; guard++) sim.advance(1000);
  const abandoned = orphans();
  return {
    lookups: issued - abandoned,
    abandoned,
    failed: failed + (issued - abandoned - done),
    wrongOwner: wrong,
    hops,
    timeouts,
    simulatedMs: sim.now(),
    events: sim.scheduler.eventsRun(),
    liveAtEnd: sim.network.liveNodes(),
  };
}
