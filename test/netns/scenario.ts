/**
 * One overlay on the test network: n servents (one per namespace) each sharing two files
 * named after their host; lookups from other hosts (`servent search … --json`); downloads
 * of hits (`servent get URL`, SHA-1 checked here against the bytes the host shares); then
 * 30% of the servents are SIGKILLed and the files of live holders are looked up and
 * downloaded again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, shuffle } from '../../src/core/rng.js';
import { apiGet, cliIn, PORT, sampleHwm, startHost, type Host } from './hosts.js';
import { hostIp } from './net.js';

export interface Phase {
  tried: number;
  found: number;
  downloads: number;
  verified: number;
  corrupt: number;
  /** lookups that missed: "searcher→holder" */
  misses: string[];
}

export interface ScenarioResult {
  readonly routing: string;
  readonly hosts: number;
  startS: number;
  formedS: number | undefined;
  readonly before: Phase;
  readonly after: Phase;
  killed: number[];
  /** VmHWM of every servent, kB */
  hwmKb: number[];
  errors: string[];
}

export interface ScenarioOptions {
  readonly routing: string;
  readonly hosts: number;
  readonly killFraction: number;
  readonly lookups: number;
  readonly downloads: number;
  readonly seed: number;
  readonly dir: string;
  readonly log: (line: string) => void;
}

const FILES_PER_HOST = 2;
const tag = (i: number): string => `h${String(i + 1).padStart(2, '0')}`;
const fileName = (i: number, k: number): string => `netns ${tag(i)} part${k}.bin`;

interface Hit {
  name: string;
  host: string;
  port: number;
  url: string;
}

const newPhase = (): Phase => ({ tried: 0, found: 0, downloads: 0, verified: 0, corrupt: 0, misses: [] });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/** open Gnutella connections of each servent, from its control API (-1: no answer) */
function linksOf(hosts: readonly Host[]): Promise<number[]> {
  return Promise.all(
    hosts.map((h) =>
      apiGet(h.ns, '/api/status').then(
        (s) => (s as { peers: number }).peers,
        () => -1,
      ),
    ),
  );
}

/** routing state a DHT servent holds (pointers or tuples and tables), KiB, from its control API (-1: no answer) */
function stateOf(hosts: readonly Host[]): Promise<number[]> {
  return Promise.all(
    hosts.map((h) =>
      apiGet(h.ns, '/api/status').then(
        (s) => Math.round(((s as { router?: { stateBytes?: number } }).router?.stateBytes ?? -1024) / 1024),
        () => -1,
      ),
    ),
  );
}

async function pool<T>(items: readonly T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const rng = createRng(o.seed);
  const res: ScenarioResult = {
    routing: o.routing,
    hosts: o.hosts,
    startS: 0,
    formedS: undefined,
    before: newPhase(),
    after: newPhase(),
    killed: [],
    hwmKb: [],
    errors: [],
  };
  const content = new Map<string, Buffer>();
  const hosts: Host[] = [];
  const hwmTimer = setInterval(() => sampleHwm(hosts), 1_000);
  try {
    // ---- start: each host gets its files; flood hosts dial two earlier ones, DHT hosts join through one
    const t0 = Date.now();
    for (let i = 0; i < o.hosts; i++) {
      const dir = join(o.dir, o.routing, `h${i + 1}`);
      mkdirSync(join(dir, 'share'), { recursive: true });
      for (let k = 1; k <= FILES_PER_HOST; k++) {
        const data = createRng(o.seed * 7919 + i * 31 + k).bytes(32 * 1024 + rng.int(128 * 1024));
        writeFileSync(join(dir, 'share', fileName(i, k)), data);
        content.set(`${hostIp(i)}/${fileName(i, k)}`, data);
      }
      const earlier = shuffle(
        rng,
        Array.from({ length: i }, (_, k) => k),
      );
      const peers = (o.routing === 'flood' ? earlier.slice(0, 2) : earlier.slice(0, 1)).map(
        (k) => `${hostIp(k)}:${PORT}`,
      );
      hosts.push(await startHost(i, dir, o.routing, peers, o.seed + i));
    }
    res.startS = (Date.now() - t0) / 1000;
    o.log(`${o.routing}: ${o.hosts} servents started in ${res.startS.toFixed(0)} s`);

    const lookup = async (phase: Phase, from: Host, holder: number): Promise<Hit | undefined> => {
      phase.tried++;
      const words = ['netns', tag(holder)];
      // flood: TTL 7 (the relay cap) reaches the whole 20-host overlay, so a miss is the
      // network's or the overlay's doing, not the TTL horizon's
      const args =
        o.routing === 'flood'
          ? ['search', ...words, '--peer', `${from.ip}:${PORT}`, '--json', '--timeout', '6', '--ttl', '7']
          : ['search', ...words, '--api', `127.0.0.1:7346`, '--json', '--timeout', '10'];
      const r = await cliIn(from.ns, args, 60_000);
      const hits = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Hit)
        .filter((h) => h.host === hostIp(holder));
      if (hits.length > 0) phase.found++;
      else {
        const why = r.code !== 0 ? ` (exit ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''})` : '';
        phase.misses.push(`${from.i + 1}→${holder + 1}${why}`);
      }
      return hits[0];
    };

    const download = async (phase: Phase, from: Host, hit: Hit): Promise<void> => {
      phase.downloads++;
      const out = join(
        from.dir,
        'downloads',
        `${phase === res.before ? 'before' : 'after'}-${phase.downloads}`,
      );
      mkdirSync(out, { recursive: true });
      const r = await cliIn(from.ns, ['get', hit.url, '--out', out], 120_000);
      const path = r.stdout.trim().split('\n').pop() ?? '';
      const want = content.get(`${hit.host}/${hit.name}`);
      if (r.code !== 0 || want === undefined) {
        res.errors.push(
          `${o.routing}: get ${hit.url} from ${from.ns}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`,
        );
        return;
      }
      if (sha1(readFileSync(path)) === sha1(want)) phase.verified++;
      else phase.corrupt++;
    };

    /** `count` lookups between distinct live hosts, then downloads of some hits */
    const measure = async (phase: Phase, live: Host[]): Promise<void> => {
      const pairs = Array.from({ length: o.lookups }, () => {
        const from = live[rng.int(live.length)] as Host;
        let holder = live[rng.int(live.length)] as Host;
        while (holder === from) holder = live[rng.int(live.length)] as Host;
        return [from, holder.i] as const;
      });
      const found: Array<[Host, Hit]> = [];
      await pool(pairs, 3, async ([from, holder]) => {
        const hit = await lookup(phase, from, holder);
        if (hit !== undefined) found.push([from, hit]);
      });
      await pool(found.slice(0, o.downloads), 2, ([from, hit]) => download(phase, from, hit));
    };

    // ---- formation: a probe lookup until it works (at most 3 minutes)
    const probeFrom = hosts[hosts.length - 1] as Host;
    const t1 = Date.now();
    while (Date.now() - t1 < 180_000) {
      const probe = newPhase();
      if ((await lookup(probe, probeFrom, 0)) !== undefined) {
        res.formedS = (Date.now() - t1) / 1000;
        break;
      }
      await sleep(2_000);
    }
    o.log(
      `${o.routing}: overlay ${res.formedS === undefined ? 'did NOT form' : `answers after ${res.formedS.toFixed(0)} s`}`,
    );
    if (o.routing === 'flood')
      o.log(`${o.routing}: Gnutella links per servent: ${(await linksOf(hosts)).join(' ')}`);
    else o.log(`${o.routing}: routing state per servent (KiB): ${(await stateOf(hosts)).join(' ')}`);

    await measure(res.before, hosts);
    o.log(
      `${o.routing}: before the kill: ${res.before.found}/${res.before.tried} lookups, ${res.before.verified}/${res.before.downloads} downloads verified`,
    );

    // ---- kill 30% (SIGKILL: no Bye, no leave message)
    sampleHwm(hosts);
    const victims = shuffle(rng, hosts.slice()).slice(0, Math.round(o.hosts * o.killFraction));
    for (const h of victims) {
      process.kill(h.pid, 'SIGKILL');
      h.alive = false;
      res.killed.push(h.i + 1);
    }
    res.killed.sort((a, b) => a - b);
    o.log(`${o.routing}: killed ${victims.length} servents (hosts ${res.killed.join(', ')})`);
    const live = hosts.filter((h) => h.alive);
    if (o.routing === 'flood') {
      // survivors whose every neighbour died redial from their host caches (min peers 2)
      const t2 = Date.now();
      let links: number[] = [];
      while (Date.now() - t2 < 60_000) {
        await sleep(5_000);
        links = await linksOf(live);
        if (links.every((n) => n >= 1)) break;
      }
      o.log(
        `${o.routing}: links per surviving servent after ${((Date.now() - t2) / 1000).toFixed(0)} s: ${links.join(' ')}`,
      );
    } else {
      // a few stabilize and check_predecessor rounds (5 s and 10 s by default)
      await sleep(40_000);
    }

    if (o.routing !== 'flood')
      o.log(`${o.routing}: routing state per surviving servent (KiB): ${(await stateOf(live)).join(' ')}`);
    await measure(res.after, live);
    o.log(
      `${o.routing}: after the kill: ${res.after.found}/${res.after.tried} lookups, ${res.after.verified}/${res.after.downloads} downloads verified`,
    );
    sampleHwm(hosts);
  } catch (e) {
    res.errors.push(`${o.routing}: ${(e as Error).message}`);
  } finally {
    clearInterval(hwmTimer);
    res.hwmKb = hosts.map((h) => h.hwmKb);
    for (const h of hosts) {
      if (h.alive && h.child.exitCode === null) h.child.kill('SIGTERM');
    }
    await sleep(1_500);
    for (const h of hosts) {
      if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
    }
  }
  return res;
}
