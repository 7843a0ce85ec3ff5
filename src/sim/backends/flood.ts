/**
 * The Gnutella flooding back-end in the simulator: the real `createFloodRouter` on a
 * link topology, its messages sized by the real codec (`encodedLength`).
 *
 * Params (scenario "params"): `ttl` (TTL of the searches the workload issues; default
 * the router's defaultTtl, 4), and any of the numeric/boolean `FloodInit` options listed
 * in FLOOD_PARAM_KEYS (e.g. maxTtl, searchTimeoutMs, pingIntervalMs).
 */
import { ScenarioError } from '../check.js';
import type { Message } from '../../protocol/messages.js';
import { encodedLength, PayloadType } from '../../protocol/index.js';
import { guidTypeKey } from '../../routing/seen-cache.js';
import {
  createFloodRouter,
  FLOOD_DEFAULTS,
  HARD_TTL_LIMIT,
  type FloodInit,
} from '../../routing/flood/index.js';
import { simServentId } from '../address.js';
import type { ReferencePoint, ReferenceValue, SimBackend, SimParams } from '../backend.js';

/** FloodInit options a scenario may set through params (numbers and booleans only). */
export const FLOOD_PARAM_KEYS = [
  'maxTtl',
  'defaultTtl',
  'floodPings',
  'pingTtl',
  'pingIntervalMs',
  'pingMinIntervalMs',
  'pongsPerLink',
  'pongsPerAnswer',
  'seenMaxEntries',
  'seenMaxAgeMs',
  'searchTimeoutMs',
  'maxActiveSearches',
  'maxHitsPerSearch',
  'maxResultsPerQuery',
  'maxResultsPerHit',
  'maxHitBytes',
] as const satisfies readonly (keyof FloodInit)[];

type FloodParamKey = (typeof FLOOD_PARAM_KEYS)[number];

function validateFloodParams(params: SimParams): void {
  for (const [k, v] of Object.entries(params)) {
    const path = `params.${k}`;
    if (k === 'ttl') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > HARD_TTL_LIMIT) {
        throw new ScenarioError('SIM_SCENARIO_RANGE', path, `must be an integer in 1..${HARD_TTL_LIMIT}`);
      }
      continue;
    }
    if (!(FLOOD_PARAM_KEYS as readonly string[]).includes(k)) {
      throw new ScenarioError(
        'SIM_SCENARIO_UNKNOWN',
        path,
        `unknown flood parameter (known: ttl, ${FLOOD_PARAM_KEYS.join(', ')})`,
      );
    }
    const expected = typeof FLOOD_DEFAULTS[k as keyof typeof FLOOD_DEFAULTS];
    if (typeof v !== expected || (typeof v === 'number' && (!Number.isFinite(v) || v < 0))) {
      throw new ScenarioError(
        'SIM_SCENARIO_FIELD',
        path,
        `must be a ${expected === 'number' ? 'number ≥ 0' : expected}`,
      );
    }
  }
}

/** The scenario's FloodInit overrides. */
function initOverrides(params: SimParams): Partial<Record<FloodParamKey, number | boolean>> {
  const out: Partial<Record<FloodParamKey, number | boolean>> = {};
  for (const k of FLOOD_PARAM_KEYS) {
    const v = params[k];
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/**
 * Messages a TTL-t query costs on a tree of degree d (every node has d links, no
 * cycles): d + d(d−1) + … + d(d−1)^(t−1). On a graph with cycles the real count is
 * lower once the flood folds back on itself (duplicates are dropped, not forwarded).
 */
export function treeMessages(d: number, ttl: number): number {
  let sum = 0;
  let level = d;
  for (let h = 1; h <= ttl; h++) {
    sum += level;
    level *= d - 1;
  }
  return sum;
}

function floodReference(p: ReferencePoint): readonly ReferenceValue[] {
  const topo = p.topology;
  if (topo === undefined || topo.kind !== 'regular' || typeof topo['degree'] !== 'number') return [];
  const d = topo['degree'];
  const ttlParam = p.params['ttl'];
  const maxTtl = typeof p.params['maxTtl'] === 'number' ? p.params['maxTtl'] : FLOOD_DEFAULTS.maxTtl;
  const ttl = Math.min(typeof ttlParam === 'number' ? ttlParam : FLOOD_DEFAULTS.defaultTtl, maxTtl);
  const tree = treeMessages(d, ttl);
  const coverage = Math.min(1, tree / Math.max(1, p.nodes - 1));
  const out: ReferenceValue[] = [
    { label: `tree d=${d}`, metric: 'requestsPerLookup.mean', value: tree },
    { label: `tree d=${d}`, metric: 'coverage.mean', value: coverage },
  ];
  // r replicas placed uniformly: a lookup that reaches a fraction c of the others finds
  // at least one with probability ≈ 1 − (1 − c)^r
  const placement = p.config.workload?.placement;
  if (placement?.kind === 'replicas') {
    out.push({
      label: `tree d=${d}`,
      metric: 'success',
      value: 1 - Math.pow(1 - coverage, placement.replicas),
    });
  }
  return out;
}

export const floodBackend: SimBackend<Message> = {
  name: 'flood',
  mode: 'link',
  sizeOf: encodedLength,
  classify: (m) =>
    m.type === 'query' || m.type === 'queryhit' || m.type === 'push' ? 'lookup' : 'background',
  // every copy of one search's Query carries its GUID
  lookupKey: (m) => (m.type === 'query' ? guidTypeKey(m.guid, PayloadType.QUERY) : undefined),
  validateParams: validateFloodParams,
  reference: floodReference,
  createNode(components, ctx) {
    const advertised = { ip: ctx.ip, port: ctx.port };
    const ttl = ctx.params['ttl'];
    return createFloodRouter(components, {
      ...(initOverrides(ctx.params) as Partial<FloodInit>),
      ...(typeof ttl === 'number' ? { defaultTtl: ttl } : {}),
      serventId: simServentId(ctx.index),
      advertised: () => advertised,
    });
  },
};
