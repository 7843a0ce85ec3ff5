/**
 * One simulation run: a scheduler, a clock, a network of N nodes each running a real
 * `Router` built by a back-end adapter, a file workload, churn, and the trackers that
 * turn all of it into metrics. Everything random comes from sub-streams of one seed,
 * drawn in a fixed order, so a run is a pure function of (config, seed).
 *
 * Use: `const sim = new Simulation(backend, config); await sim.setup(); sim.run();
 * const m = sim.metrics();` — or drive it step by step (`advance`, `kill`, `join`) from
 * a test harness.
 */
import { silentLogger } from '../core/log.js';
import { createRng, type Rng } from '../core/rng.js';
import type { Router, RouterComponents } from '../routing/types.js';
import { SIM_PORT, simIp } from './address.js';
import type { SimBackend, SimNodeContext } from './backend.js';
import { ChurnDriver } from './churn.js';
import { OverlayMaintainer } from './overlay.js';
import type { SimulationConfig } from './config.js';
import { EV_CALL } from './events.js';
import { deliveryModel } from './latency.js';
import { SimNetwork } from './network.js';
import { Scheduler } from './scheduler.js';
import { SearchTracker } from './search-tracker.js';
import { SearchWorkload } from './search-workload.js';
import { SimClock } from './sim-clock.js';
import { buildTopology, targetDegree } from './topology.js';
import { TraceHash } from './trace-hash.js';
import { Placement, sharedFileInfo, simFile, simFileId } from './workload.js';

export interface ProgressInfo {
  readonly simMs: number;
  readonly events: number;
  /** 0..1, from simulated time (fixed duration) or from judged searches */
  readonly fraction: number;
}

/** Events between two progress callbacks. */
const PROGRESS_EVERY = 1 << 16;

export class Simulation<M> {
  readonly scheduler = new Scheduler(1 << 16);
  readonly clock = new SimClock(this.scheduler);
  readonly network: SimNetwork<M>;
  readonly tracker: SearchTracker;
  readonly placement: Placement | undefined;
  readonly trace: TraceHash | undefined;
  /** counters the churn driver and the kill/join API keep */
  readonly churnCounts = { joins: 0, leaves: 0, failures: 0, massFailed: 0 };
  startErrors = 0;
  private readonly routers: (Router | undefined)[] = [];
  private readonly born: number[] = [];
  private deadNodeMs = 0;
  private readonly deadExtra = new Map<string, number>();
  private readonly rngTopology: Rng;
  private readonly rngNetwork: Rng;
  private readonly rngNodes: Rng;
  private readonly rngPlacement: Rng;
  private readonly rngWorkload: Rng;
  private readonly rngChurn: Rng;
  private readonly rngOverlay: Rng;
  /** link mode: target degrees and free slots (see overlay.ts) */
  readonly overlay: OverlayMaintainer<M> | undefined;
  /** the search workload, when the config has one */
  readonly searches: SearchWorkload | undefined;
  private readonly churn: ChurnDriver | undefined;
  private isSetUp = false;

  constructor(
    readonly backend: SimBackend<M>,
    readonly config: SimulationConfig,
  ) {
    const master = createRng(config.seed);
    this.rngTopology = master.fork();
    this.rngNetwork = master.fork();
    this.rngNodes = master.fork();
    this.rngPlacement = master.fork();
    this.rngWorkload = master.fork();
    this.rngChurn = master.fork();
    this.rngOverlay = master.fork();
    backend.validateParams?.(config.params);
    if (backend.mode === 'link' && config.topology === undefined) {
      throw new Error(`back-end ${backend.name} needs a topology`);
    }
    const keyOf = backend.lookupKey?.bind(backend) as ((msg: unknown) => string | undefined) | undefined;
    this.network = new SimNetwork<M>(this.scheduler, {
      mode: backend.mode,
      model: deliveryModel(config.network, this.rngNetwork),
      failureDetectionMs: config.network.failureDetectionMs,
      linkSetupMs: config.network.linkSetupMs,
      hooks: {
        sizeOf: (m) => backend.sizeOf(m),
        classify: (m) => backend.classify(m),
        ...(keyOf === undefined
          ? {}
          : {
              onSend: (from: number, _to: number, msg: M, lookup: boolean): void => {
                if (lookup) this.tracker.onSend(from, msg);
              },
              onDeliver: (_from: number, to: number, msg: M): void => this.tracker.onDeliver(to, msg),
            }),
      },
    });
    this.overlay = backend.mode === 'link' ? new OverlayMaintainer(this.network, this.rngOverlay) : undefined;
    const w = config.workload;
    this.placement = w === undefined ? undefined : new Placement(w.placement, this.rngPlacement);
    this.tracker = new SearchTracker(
      {
        now: () => this.scheduler.now(),
        liveNodes: () => this.network.liveNodes(),
        indexOf: (a) => this.network.indexOf(a),
        isAlive: (i) => this.network.isAlive(i),
        holds: (i, f) => this.placement?.holds(i, f) ?? false,
        fileIdOf: simFileId,
        lookupKey: keyOf,
      },
      config.bucketMs,
    );
    this.searches =
      w === undefined || this.placement === undefined
        ? undefined
        : new SearchWorkload(this, w, this.placement, backend, config.params, this.rngWorkload);
    this.scheduler.on(EV_CALL, (_t, _a, payload) => (payload as () => void)());
    if (config.trace) {
      const h = new TraceHash();
      this.trace = h;
      this.scheduler.observe((t, k, ta, a) => h.event(t, k, ta, a));
    } else {
      this.trace = undefined;
    }
    this.churn = config.churn === undefined ? undefined : new ChurnDriver(this, config.churn, this.rngChurn);
  }

  /** Builds the initial overlay, starts every router, places files, schedules workload and churn. */
  async setup(): Promise<void> {
    if (this.isSetUp) return;
    this.isSetUp = true;
    const { config, backend } = this;
    const starts: Promise<void>[] = [];
    for (let i = 0; i < config.nodes; i++) this.createNode(false);
    backend.bootstrap?.(this.routers as readonly Router[], {
      rng: this.rngNodes.fork(),
      params: config.params,
      address: (i) => this.network.address(i),
    });
    for (let i = 0; i < config.nodes; i++) {
      starts.push(this.startRouter(i));
      if (starts.length >= 8192) await Promise.all(starts.splice(0));
    }
    await Promise.all(starts);
    if (config.topology !== undefined && backend.mode === 'link') {
      const edges = buildTopology(config.nodes, config.topology, this.rngTopology);
      for (let e = 0; e < edges.length; e += 2) {
        this.network.link(edges[e] as number, edges[e + 1] as number, true);
      }
      this.network.compact();
      const overlay = this.overlay as OverlayMaintainer<M>;
      for (let i = 0; i < config.nodes; i++) overlay.setTarget(i, this.network.neighbours(i).length);
    }
    if (this.placement !== undefined) {
      this.placement.placeInitial(config.nodes);
      for (let i = 0; i < config.nodes; i++) this.publishFiles(i);
    }
    this.searches?.start();
    this.churn?.schedule();
  }

  /**
   * Runs the event loop: until `durationMs` when the config has one, else until the
   * last search is judged. `onProgress` is called every 65,536 events.
   */
  run(onProgress?: (p: ProgressInfo) => void): void {
    const end = this.config.durationMs;
    const s = this.scheduler;
    let n = 0;
    for (;;) {
      if (end === undefined && this.workloadDone()) break;
      if (!s.step(end ?? Infinity)) break;
      if (++n % PROGRESS_EVERY === 0 && onProgress !== undefined) onProgress(this.progress());
    }
    if (end !== undefined) s.runUntil(end);
    this.tracker.expireAll();
    onProgress?.(this.progress());
  }

  /** Runs every event due in the next `ms` of simulated time. */
  advance(ms: number): void {
    this.scheduler.runUntil(this.scheduler.now() + ms);
  }

  now(): number {
    return this.scheduler.now();
  }

  router(index: number): Router | undefined {
    return this.routers[index];
  }

  /** Seconds of node lifetime summed over all nodes, up to now. */
  nodeSeconds(): number {
    const now = this.scheduler.now();
    let ms = this.deadNodeMs;
    for (let i = 0; i < this.born.length; i++) {
      if (this.network.isAlive(i)) ms += now - (this.born[i] as number);
    }
    return ms / 1000;
  }

  /**
   * One pass over the live routers' `stats()`: their stateBytes, and the back-end
   * counters summed over every node that ever ran (dead ones as of their death).
   */
  routerStats(): { stateBytes: Float64Array; extra: Map<string, number> } {
    const extra = new Map(this.deadExtra);
    const state = new Float64Array(this.network.liveNodes());
    let n = 0;
    for (const r of this.routers) {
      if (r === undefined) continue;
      const st = r.stats();
      state[n++] = st.stateBytes;
      const e = st.extra;
      if (e !== undefined) for (const k in e) extra.set(k, (extra.get(k) ?? 0) + (e[k] as number));
    }
    return { stateBytes: state.subarray(0, n), extra };
  }

  /** A node joins (churn): it gets files, links (link mode) or contacts (addressed mode). */
  join(): number {
    const i = this.createNode(true);
    this.churnCounts.joins++;
    void this.startRouter(i);
    const topo = this.config.topology;
    if (topo !== undefined && this.overlay !== undefined) {
      this.overlay.join(i, targetDegree(topo), this.fallbackPeer());
    }
    if (this.placement !== undefined) {
      this.placement.placeOnJoin(i);
      this.publishFiles(i);
    }
    return i;
  }

  /** Graceful departure: `router.stop()` runs (its goodbyes are sent), then the node is gone. */
  leave(index: number): void {
    if (!this.network.isAlive(index)) return;
    this.churnCounts.leaves++;
    const r = this.routers[index];
    if (r !== undefined) void r.stop().catch(() => undefined);
    this.remove(index, true);
  }

  /** Crash: the node vanishes without a word; neighbours notice by timeouts or peerDown. */
  kill(index: number): void {
    if (!this.network.isAlive(index)) return;
    this.churnCounts.failures++;
    this.remove(index, false);
  }

  /** Link mode: node `index` lost a link; below its target degree it opens one (overlay.ts). */
  repairLinks(index: number): void {
    this.overlay?.repair(index, this.fallbackPeer());
  }

  /** Power-law overlays attach joiners preferentially (degree-biased); others split links. */
  private fallbackPeer(): (() => number) | undefined {
    return this.config.topology?.kind === 'powerlaw' ? () => this.preferentialPeer() : undefined;
  }

  /** A uniformly random live node, or −1. */
  randomLive(): number {
    const n = this.network.liveNodes();
    return n === 0 ? -1 : this.network.liveAt(this.rngChurn.int(n));
  }

  /** Schedules `fn` at absolute simulated time `atMs`. */
  at(atMs: number, fn: () => void): void {
    this.scheduler.schedule(atMs, EV_CALL, -1, 0, fn);
  }

  private createNode(joining: boolean): number {
    const net = this.network;
    const i = net.addNode();
    const rng = this.rngNodes.fork();
    const components: RouterComponents<M> = {
      clock: this.clock.view(i),
      rng,
      log: silentLogger,
      transport: net.transport(i),
    };
    const ctx: SimNodeContext = {
      index: i,
      address: net.address(i),
      ip: simIp(i),
      port: SIM_PORT,
      rng,
      params: this.config.params,
      contacts: this.backend.mode === 'addressed' ? this.contactsFor(i, joining) : [],
      joining,
    };
    this.routers[i] = this.backend.createNode(components, ctx);
    this.born[i] = this.scheduler.now();
    return i;
  }

  private contactsFor(i: number, joining: boolean): string[] {
    if (this.backend.bootstrap !== undefined && !joining) return [];
    const out: string[] = [];
    const pool = joining ? this.network.liveNodes() - 1 : i;
    for (let k = 0; k < Math.min(3, pool); k++) {
      const c = joining ? this.network.liveAt(this.rngNodes.int(pool)) : this.rngNodes.int(i);
      const a = this.network.address(c);
      if (c !== i && !out.includes(a)) out.push(a);
    }
    return out;
  }

  private async startRouter(i: number): Promise<void> {
    try {
      await this.routers[i]?.start();
    } catch {
      this.startErrors++;
    }
  }

  private publishFiles(i: number): void {
    const files = this.placement?.filesOf(i) ?? [];
    if (files.length === 0) return;
    this.routers[i]?.publish(files.map((f, k) => sharedFileInfo(simFile(f), k)));
  }

  private remove(index: number, graceful: boolean): void {
    const r = this.routers[index];
    if (r !== undefined) {
      const e = r.stats().extra;
      if (e !== undefined)
        for (const k in e) this.deadExtra.set(k, (this.deadExtra.get(k) ?? 0) + (e[k] as number));
    }
    this.routers[index] = undefined;
    this.deadNodeMs += this.scheduler.now() - (this.born[index] as number);
    const nbrs = this.backend.mode === 'link' ? [...this.network.neighbours(index)] : [];
    this.clock.killNode(index);
    this.network.kill(index, graceful);
    if (this.overlay !== undefined) {
      this.overlay.refresh(index);
      for (const n of nbrs) this.overlay.refresh(n);
    }
    this.placement?.nodeGone(index);
    this.churn?.afterRemoval(nbrs);
  }

  private preferentialPeer(): number {
    const x = this.randomLive();
    if (x < 0) return -1;
    const nb = this.network.neighbours(x);
    return nb.length === 0 ? x : (nb[this.rngChurn.int(nb.length)] as number);
  }

  private workloadDone(): boolean {
    return this.searches === undefined || this.searches.done();
  }

  private progress(): ProgressInfo {
    const end = this.config.durationMs;
    const now = this.scheduler.now();
    const q = this.config.workload?.queries ?? 0;
    const fraction =
      end !== undefined && end > 0 ? Math.min(1, now / end) : q > 0 ? this.tracker.finished / q : 1;
    return { simMs: now, events: this.scheduler.eventsRun(), fraction };
  }
}
