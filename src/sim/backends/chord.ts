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
