/**
 * The Kelips back-end in the simulator: the real `KelipsNode` in addressed mode, its
 * messages sized by the real codec (`kelipsMessageSize`).
 *
 * Params (scenario "params"): any KelipsInit option in KELIPS_PARAM_KEYS (groups,
 * expectedNodes, roundMs, gossipBytes, memberTimeoutMs, walkTtl, gossip, …), `rations`
 * (an object of KelipsRations), and
 * - `install` (default "complete"): the initial nodes start in steady state — every node
 *   knows every member of its group and c random members of every other group, installed
 *   directly; "join": each initial node joins through a random earlier node at time 0.
 * - `viewFill` (0…1, default 1): with "complete", each node knows each other node only
 *   with this probability (the paper's partially filled views: 0.558).
 * - `installTuples` (default: true with "complete"): the initial nodes' files are
 *   installed directly in their groups (each member holds each tuple with probability
 *   `tupleFill`, default 1) instead of being announced over the network.
 * - `probe` ({ everyMs, fromMs?, toMs? }): every everyMs each live initial node records
 *   its view and contact counts and how many of them are dead (the simulator knows) in
 *   its extra counters, as `probe.t<seconds>.<what>`; summed over nodes these give the
 *   view re-convergence curve after a mass failure.
 * Without `groups` / `expectedNodes`, k = round(√nodes) (set on the initial nodes before
 * they start); nodes joining later learn k from the node they join through.
 * Lookup traffic (LOOKUP, LOOKUP_REPLY) is 'lookup'; gossip, joins, stores and probes
 * are 'background'.
 */
import { ScenarioError } from '../check.js';
import { simAddress, simIndexOf, simServentId } from '../address.js';
import { kelipsMessageSize } from '../../protocol/kelips/encode.js';
import type { KelipsMessage, MemberEntry } from '../../protocol/kelips/messages.js';
import { shuffle, type Rng } from '../../core/rng.js';
import { searchIterable } from '../../routing/search-iterable.js';
import {
  groupOf,
  groupsFor,
  KELIPS_DEFAULTS,
  KelipsNode,
  MEMBER_STATE_BYTES,
  tupleStateBytes,
  type KelipsInit,
} from '../../routing/kelips/index.js';
import type {
  Router,
  RouterStats,
  SearchHandle,
  SearchHit,
  SearchRequest,
  SearchSink,
  SharedFileInfo,
} from '../../routing/types.js';
import type { ReferencePoint, ReferenceValue, SimBackend, SimParams } from '../backend.js';
import { simFile } from '../workload.js';

/** KelipsInit options a scenario may set (numbers and booleans). */
export const KELIPS_PARAM_KEYS = [
  'expectedNodes',
  'groups',
  'contactsPerGroup',
  'roundMs',
  'gossipBytes',
  'gossipTargets',
  'foreignTargets',
  'freshSends',
  'rttExponent',
  'defaultRttMs',
  'memberTimeoutMs',
  'contactTimeoutMs',
  'tupleTimeoutMs',
  'republishMs',
  'sweepMs',
  'rpcTimeoutMs',
  'lookupTries',
  'walkTtl',
  'relayFanout',
  'storeTries',
  'searchTimeoutMs',
  'maxResults',
  'probesPerRound',
  'refreshPerRound',
  'joinRetryMs',
  'maxSnapshotParts',
  'maxView',
  'maxTuples',
  'maxTuplesPerKey',
  'maxPublished',
  'maxKeysPerFile',
  'relayPerSec',
  'maxActiveSearches',
  'gossip',
  'includeOwnFiles',
] as const satisfies readonly (keyof KelipsInit)[];

const RATION_KEYS = ['members', 'contacts', 'tuples', 'foreignMembers', 'foreignContacts'] as const;
const EXTRA_KEYS = ['install', 'viewFill', 'tupleFill', 'installTuples', 'probe', 'rations'] as const;
const BOOLEAN_KEYS: readonly string[] = ['gossip', 'includeOwnFiles'];

function fail(path: string, msg: string, code = 'SIM_SCENARIO_FIELD'): never {
  throw new ScenarioError(code, path, msg);
}

function fraction(v: unknown, path: string): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(path, 'must be a number in 0..1');
}

function validateKelipsParams(params: SimParams): void {
  for (const [k, v] of Object.entries(params)) {
    const path = `params.${k}`;
    switch (k) {
      case 'install':
        if (v !== 'complete' && v !== 'join') fail(path, 'must be "complete" or "join"');
        continue;
      case 'viewFill':
      case 'tupleFill':
        fraction(v, path);
        continue;
      case 'installTuples':
        if (typeof v !== 'boolean') fail(path, 'must be a boolean');
        continue;
      case 'rations': {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be an object');
        for (const [rk, rv] of Object.entries(v as Record<string, unknown>)) {
          if (!(RATION_KEYS as readonly string[]).includes(rk)) {
            fail(
              `${path}.${rk}`,
              `unknown ration (known: ${RATION_KEYS.join(', ')})`,
              'SIM_SCENARIO_UNKNOWN',
            );
          }
          if (typeof rv !== 'number' || !Number.isInteger(rv) || rv < 0)
            fail(`${path}.${rk}`, 'must be an integer ≥ 0');
        }
        continue;
      }
      case 'probe': {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be an object');
        const o = v as Record<string, unknown>;
        for (const [pk, pv] of Object.entries(o)) {
          if (pk !== 'everyMs' && pk !== 'fromMs' && pk !== 'toMs')
            fail(`${path}.${pk}`, 'unknown probe field', 'SIM_SCENARIO_UNKNOWN');
          if (typeof pv !== 'number' || !(pv >= 0)) fail(`${path}.${pk}`, 'must be a number ≥ 0');
        }
        if (typeof o['everyMs'] !== 'number' || !(o['everyMs'] >= 1000))
          fail(`${path}.everyMs`, 'must be ≥ 1000');
        continue;
      }
    }
    if (!(KELIPS_PARAM_KEYS as readonly string[]).includes(k)) {
      fail(
        path,
        `unknown kelips parameter (known: ${[...EXTRA_KEYS, ...KELIPS_PARAM_KEYS].join(', ')})`,
        'SIM_SCENARIO_UNKNOWN',
      );
    }
    const expected = BOOLEAN_KEYS.includes(k) ? 'boolean' : 'number';
    if (typeof v !== expected || (typeof v === 'number' && !(v >= 0))) {
      fail(path, `must be ${expected === 'number' ? 'a number ≥ 0' : 'a boolean'}`);
    }
  }
}

function initOverrides(params: SimParams): Partial<KelipsInit> {
  const out: Record<string, unknown> = {};
  for (const k of KELIPS_PARAM_KEYS) if (params[k] !== undefined) out[k] = params[k];
  if (params['rations'] !== undefined) out['rations'] = params['rations'];
  return out as Partial<KelipsInit>;
}

const num = (params: SimParams, key: string, dflt: number): number => {
  const v = params[key];
  return typeof v === 'number' ? v : dflt;
};

/** What every node of one run shares: the routers (the simulation's live array) and the groups. */
class RunDirectory {
  /** node indices by group (initial nodes) */
  readonly byGroup = new Map<number, number[]>();

  constructor(
    readonly nodes: readonly (Router | undefined)[],
    readonly k: number,
  ) {
    for (let i = 0; i < nodes.length; i++) {
      const g = groupOf(simAddress(i), k);
      let l = this.byGroup.get(g);
      if (l === undefined) {
        l = [];
        this.byGroup.set(g, l);
      }
      l.push(i);
    }
  }

  /** the simulator sets a dead node's slot to undefined */
  alive(index: number): boolean {
    return index >= 0 && this.nodes[index] !== undefined;
  }

  node(index: number): SimKelipsNode | undefined {
    const r = this.nodes[index];
    return r instanceof SimKelipsNode ? r : undefined;
  }
}

/**
 * The Router the simulator drives: the real KelipsNode plus the simulator-only helpers
 * (installed tuples at publish, probes). Every Router call goes to the KelipsNode.
 */
export class SimKelipsNode implements Router {
  readonly kind = 'kelips';
  dir: RunDirectory | undefined;
  private readonly probes = new Map<string, number>();

  constructor(
    readonly router: KelipsNode,
    readonly index: number,
    readonly params: SimParams,
    private readonly rng: Rng,
  ) {}

  async start(): Promise<void> {
    await this.router.start();
    const p = this.params['probe'] as { everyMs: number; fromMs?: number; toMs?: number } | undefined;
    if (p !== undefined && this.dir !== undefined)
      this.scheduleProbe(p.everyMs, p.fromMs ?? 0, p.toMs ?? Infinity);
  }

  stop(): Promise<void> {
    return this.router.stop();
  }

  publish(files: readonly SharedFileInfo[]): void {
    const dir = this.dir;
    const install = this.params['installTuples'] ?? this.params['install'] !== 'join';
    if (dir === undefined || install !== true) {
      this.router.publish(files);
      return;
    }
    const tuples = this.router.tuplesFor(files);
    this.router.adopt(files);
    const fill = num(this.params, 'tupleFill', 1);
    for (const t of tuples) {
      for (const m of dir.byGroup.get(this.router.groupOf(t.key)) ?? []) {
        const node = dir.node(m);
        if (node === undefined) continue;
        if (m === this.index || fill >= 1 || this.rng.float() < fill) node.router.installTuples([t]);
      }
    }
  }

  startSearch(q: SearchRequest, sink: SearchSink): SearchHandle {
    return this.router.startSearch(q, sink);
  }

  search(q: SearchRequest, signal: AbortSignal): AsyncIterable<SearchHit> {
    return searchIterable(this, q, signal);
  }

  stats(): RouterStats {
    const s = this.router.stats();
    if (this.probes.size === 0) return s;
    return { ...s, extra: { ...s.extra, ...Object.fromEntries(this.probes) } };
  }

  private scheduleProbe(everyMs: number, fromMs: number, toMs: number): void {
    const clock = this.router.components.clock;
    const now = clock.now();
    let at = Math.max(fromMs, Math.ceil(now / everyMs) * everyMs);
    at = Math.ceil(at / everyMs) * everyMs;
    if (at > toMs) return;
    clock.setTimeout(() => {
      this.probe(at);
      this.scheduleProbe(everyMs, at + everyMs, toMs);
    }, at - now);
  }

  private probe(at: number): void {
    const dir = this.dir as RunDirectory;
    const r = this.router;
    const key = `probe.t${String(Math.round(at / 1000)).padStart(6, '0')}`;
    const view = r.viewAddresses();
    const contacts = r.contactAddresses();
    let viewDead = 0;
    const inView = new Set<string>();
    for (const a of view) {
      inView.add(a);
      if (!dir.alive(simIndexOf(a))) viewDead++;
    }
    let contactsDead = 0;
    for (const a of contacts) if (!dir.alive(simIndexOf(a))) contactsDead++;
    let missing = 0;
    for (const m of dir.byGroup.get(r.group) ?? []) {
      if (m !== this.index && dir.alive(m) && !inView.has(simAddress(m))) missing++;
    }
    this.probes.set(`${key}.nodes`, 1);
    this.probes.set(`${key}.view`, view.length);
    this.probes.set(`${key}.viewDead`, viewDead);
    this.probes.set(`${key}.viewMissing`, missing);
    this.probes.set(`${key}.contacts`, contacts.length);
    this.probes.set(`${key}.contactsDead`, contactsDead);
  }
}

/** Complete (or `fill`-partial) views and c random contacts per foreign group, installed directly. */
function installComplete(dir: RunDirectory, fill: number, rng: Rng): void {
  const groups = [...dir.byGroup.entries()];
  for (let i = 0; i < dir.nodes.length; i++) {
    const node = dir.node(i);
    if (node === undefined) continue;
    const r = node.router;
    const c = r.cfg?.c ?? KELIPS_DEFAULTS.contactsPerGroup;
    const entries: MemberEntry[] = [];
    for (const [g, members] of groups) {
      if (g === r.group) {
        for (const m of members)
          if (m !== i && (fill >= 1 || rng.float() < fill))
            entries.push({ addr: simAddress(m), hb: 0, ageS: 0 });
        continue;
      }
      // c members this node knows of, at random
      const order = members.length <= 4 * c ? shuffle(rng, [...members]) : undefined;
      let got = 0;
      for (let t = 0; got < c && t < 8 * c && t < (order?.length ?? Infinity); t++) {
        const m = order !== undefined ? (order[t] as number) : (members[rng.int(members.length)] as number);
        if (fill < 1 && rng.float() >= fill) continue;
        const addr = simAddress(m);
        if (entries.some((e) => e.addr === addr)) continue;
        entries.push({ addr, hb: 0, ageS: 0 });
        got++;
      }
    }
    r.installMembers(entries);
  }
}

/** Tuples (file keys) a file of the simulated workload is filed under: its one keyword and its urn. */
const SIM_KEYS_PER_FILE = 2;

/** Mean state bytes of the tuples of files sim0 … sim(F−1) (names grow with the file number). */
function meanSimTupleBytes(files: number): number {
  let sum = 0;
  for (let lo = 0; lo < files; lo = lo === 0 ? 10 : lo * 10) {
    const hi = Math.min(files, lo === 0 ? 10 : lo * 10);
    const t = simFile(lo);
    const kw = tupleStateBytes({
      key: t.keyword,
      name: t.name,
      size: 0,
      urn: t.urn,
      index: 0,
      ip: '',
      port: 0,
      serventId: '',
      hb: 0,
    });
    const urn = tupleStateBytes({
      key: t.urn,
      name: t.name,
      size: 0,
      urn: t.urn,
      index: 0,
      ip: '',
      port: 0,
      serventId: '',
      hb: 0,
    });
    sum += (hi - lo) * (kw + urn);
  }
  return sum / files / SIM_KEYS_PER_FILE;
}

/**
 * The paper's values for a point: one RPC per lookup; the memory model
 * S(k,n) = n/k + c(k−1) + F/k entries at 40 B (membership) and 60 B (tuples), and the
 * same model with our entry sizes; the background output 6 × 272 B every 2 s.
 */
function kelipsReference(p: ReferencePoint): readonly ReferenceValue[] {
  const params = p.params;
  const k = num(params, 'groups', groupsFor(num(params, 'expectedNodes', p.nodes)));
  const c = num(params, 'contactsPerGroup', KELIPS_DEFAULTS.contactsPerGroup);
  const out: ReferenceValue[] = [{ label: 'paper: 1 RPC', metric: 'hops.mean', value: 1 }];
  const targets = num(params, 'gossipTargets', KELIPS_DEFAULTS.gossipTargets);
  const bytes = num(params, 'gossipBytes', KELIPS_DEFAULTS.gossipBytes);
  const round = num(params, 'roundMs', KELIPS_DEFAULTS.roundMs);
  out.push({
    label: 'paper: targets × 272 B / 2 s',
    metric: 'backgroundBytesPerNodePerSec',
    value: (targets * bytes * 1000) / round,
  });
  const pl = p.config.workload?.placement;
  const files = pl === undefined ? 0 : pl.kind === 'replicas' ? pl.files * pl.replicas : p.nodes * pl.perNode;
  const catalogue = pl === undefined ? 1 : pl.files;
  const tuples = files * SIM_KEYS_PER_FILE;
  const members = p.nodes / k + c * (k - 1);
  out.push({
    label: 'S(k,n) at 40/60 B',
    metric: 'stateBytesPerNode.mean',
    value: members * 40 + (tuples / k) * 60,
  });
  const tuple = meanSimTupleBytes(catalogue);
  out.push({
    label: 'S(k,n) at our entry sizes',
    metric: 'stateBytesPerNode.mean',
    value: members * MEMBER_STATE_BYTES + (tuples / k) * tuple,
  });
  return out;
}

export const kelipsBackend: SimBackend<KelipsMessage> = {
  name: 'kelips',
  mode: 'addressed',
  sizeOf: kelipsMessageSize,
  classify: (m) => (m.type === 'lookup' || m.type === 'lookup-reply' ? 'lookup' : 'background'),
  lookupKey: (m) => (m.type === 'lookup' ? `${m.origin}/${m.rid}` : undefined),
  validateParams: validateKelipsParams,
  reference: kelipsReference,
  createNode(components, ctx) {
    const params = ctx.params;
    const join = params['install'] === 'join';
    const boot =
      ctx.contacts.length > 0
        ? ctx.contacts
        : join && ctx.index > 0
          ? [simAddress(ctx.rng.int(ctx.index))]
          : undefined;
    const init: KelipsInit = {
      holder: { ip: ctx.ip, port: ctx.port, serventId: simServentId(ctx.index).toString('hex') },
      ...(boot === undefined ? {} : { bootstrap: boot }),
      ...initOverrides(params),
    };
    return new SimKelipsNode(new KelipsNode(components, init), ctx.index, params, ctx.rng);
  },
  bootstrap(nodes, ctx) {
    const params = ctx.params;
    const routers = nodes as readonly (SimKelipsNode | undefined)[];
    const k =
      typeof params['groups'] === 'number'
        ? params['groups']
        : groupsFor(typeof params['expectedNodes'] === 'number' ? params['expectedNodes'] : nodes.length);
    for (const r of routers) r?.router.setGroups(k);
    const dir = new RunDirectory(nodes, k);
    for (const r of routers) if (r !== undefined) r.dir = dir;
    if (params['install'] === 'join') return;
    installComplete(dir, num(params, 'viewFill', 1), ctx.rng);
  },
};
