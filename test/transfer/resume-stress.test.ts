/**
 * Interrupted downloads, resumed: not one corrupt file.
 *
 * A real servent shares files; downloads reach it through a proxy on loopback that plays
 * the hostile network. Each download is interrupted at random points (seeded) and must
 * still end with the exact bytes (SHA-1 checked here, independently of the downloader):
 * - `cut`: the server side cuts the connection after a random byte count; the same
 *   Download reconnects and resumes with a Range request;
 * - `crash`: the process "dies" at a random byte count: the .part.json and .part files are
 *   copied as they are on disk at that instant (state first, so it never claims bytes the
 *   copied data lacks — exactly what a crash leaves), the Download is abandoned, the copies
 *   are put back, and a fresh Download starts from them;
 * - `kill`: a child process running `servent get` is SIGKILLed at a random byte count and
 *   another `servent get` resumes from what it left on disk.
 *
 * The quick run (npm test) makes ≥ 20 interruptions; RESUME_STRESS_FULL=1 runs 100
 * interrupted downloads. Both print their figures.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createRng, type Rng } from '../../src/core/rng.js';
import type { SharedFile } from '../../src/share/index.js';
import { createTestnet, type Testnet } from '../../src/testnet.js';
import { startDownload, type Download, type DownloadResult } from '../../src/transfer/download/index.js';

const FULL = process.env['RESUME_STRESS_FULL'] === '1';
const SEED = Number(process.env['RESUME_STRESS_SEED'] ?? 0x7e5e) >>> 0;
/** quick: at least this many interruptions; full: this many interrupted downloads */
const QUICK_INTERRUPTIONS = 20;
const FULL_DOWNLOADS = 100;
const ROOT = join(import.meta.dirname, '../..');

// ---- the hostile network: a proxy that cuts or freezes connections on demand

interface Plan {
  readonly kind: 'cut' | 'hold';
  /** fraction of the bytes still missing after which the plan fires */
  readonly fraction: number;
}

class Proxy {
  private server: Server | undefined;
  readonly plans: Plan[] = [];
  /** bytes still missing when a connection opens (set by the test) */
  missing: () => number = () => 0;
  onHold: (() => void) | undefined;
  fired = { cut: 0, hold: 0 };
  /** bytes sent towards downloaders (headers included) */
  bytesDown = 0;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly upstreamPort: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  private accept(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.upstreamPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => {});
      s.once('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    const plan = this.plans.shift();
    // response head (~300 B) + a share of what is missing
    const budget = plan === undefined ? Infinity : 300 + Math.floor(plan.fraction * this.missing());
    let sent = 0;
    let stopped = false;
    client.on('data', (c: Buffer) => upstream.write(c));
    upstream.on('data', (c: Buffer) => {
      if (stopped) return;
      if (sent + c.length <= budget) {
        sent += c.length;
        this.bytesDown += c.length;
        client.write(c);
        return;
      }
      client.write(c.subarray(0, budget - sent));
      this.bytesDown += budget - sent;
      sent = budget;
      stopped = true;
      if (plan?.kind === 'cut') {
        this.fired.cut++;
        client.destroy();
        upstream.destroy();
      } else {
        this.fired.hold++;
        upstream.pause();
        this.onHold?.();
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

// ---- set-up: one real servent sharing a few files

let tn: Testnet;
let files: SharedFile[];
const contents = new Map<string, Buffer>();
let work: string;

function content(size: number, seed: number): Buffer {
  return createRng(seed).bytes(size);
}

beforeAll(async () => {
  const rng = createRng(SEED);
  const shared: Record<string, Buffer> = {};
  for (let i = 0; i < 5; i++) {
    const name = `resume-${i}.bin`;
    shared[name] = content(256 * 1024 + rng.int(1536 * 1024), SEED + i);
    contents.set(name, shared[name]);
  }
  tn = await createTestnet(1, { files: () => shared, config: () => ({ uploadSlots: 8 }) });
  files = [...(tn.servents[0]?.library.files() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  work = join(tn.root, 'downloads');
  mkdirSync(work);
}, 60_000);
afterAll(async () => {
  await tn?.close();
});

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function slotsFree(): Promise<void> {
  for (let i = 0; i < 200 && (tn.servents[0]?.uploads()?.slots.active ?? 0) > 0; i++) await sleep(10);
}

interface Outcome {
  readonly path: string;
  readonly interruptions: number;
  readonly verified: boolean;
}

const LIMITS = {
  backoffBaseMs: 5,
  backoffMaxMs: 50,
  busyRetryMs: 50,
  maxRetryAfterMs: 100,
  maxSourceFailures: 1000,
  checkpointMs: 20,
  checkpointBytes: 128 * 1024,
};

/** One download in this process, interrupted by `plans` (cuts and crashes). */
async function inProcess(file: SharedFile, plans: Plan[], outDir: string, proxy: Proxy): Promise<Outcome> {
  const start = (): Download =>
    startDownload({
      sources: [
        { kind: 'direct', host: '127.0.0.1', port: proxy.port, path: `/get/${file.index}/${file.name}` },
      ],
      name: file.name,
      size: file.size,
      ...(file.urn !== undefined ? { urn: file.urn } : {}),
      outDir,
      maxSources: 1,
      clock: createSystemClock(),
      log: silentLogger,
      limits: LIMITS,
    });
  let d = start();
  proxy.missing = () => file.size - d.progress().bytes;
  proxy.plans.push(...plans);
  const before = { ...proxy.fired };
  let crash: Promise<void> = Promise.resolve();
  proxy.onHold = () => {
    const old = d;
    const state = join(outDir, `${file.name}.part.json`);
    const part = join(outDir, `${file.name}.part`);
    // what a crash leaves: the state file as last renamed, then the data as written so far
    const hadState = existsSync(state);
    if (hadState) copyFileSync(state, `${state}.crash`);
    if (existsSync(part)) copyFileSync(part, `${part}.crash`);
    crash = (async () => {
      old.done.catch(() => {});
      await old.cancel();
      for (const [from, to] of [
        [`${state}.crash`, state],
        [`${part}.crash`, part],
      ] as const) {
        if (existsSync(from)) copyFileSync(from, to);
        if (existsSync(from)) unlinkSync(from);
      }
      if (!hadState && existsSync(state)) unlinkSync(state);
      await slotsFree();
      d = start();
    })();
  };
  let res: DownloadResult | undefined;
  for (;;) {
    const current = d;
    try {
      res = await current.done;
      break;
    } catch (e) {
      await crash;
      if (d === current) throw e;
    }
  }
  proxy.onHold = undefined;
  const interruptions = proxy.fired.cut - before.cut + (proxy.fired.hold - before.hold);
  return { path: res.path, interruptions, verified: res.verified };
}

/** One download by `servent get` child processes, SIGKILLed at random byte counts. */
async function childProcesses(
  file: SharedFile,
  kills: number,
  rng: Rng,
  outDir: string,
  proxy: Proxy,
): Promise<Outcome> {
  const url = `http://127.0.0.1:${proxy.port}/uri-res/N2R?${file.urn ?? ''}`;
  let interruptions = 0;
  for (let k = 0; ; k++) {
    const last = k >= kills;
    if (!last) proxy.plans.push({ kind: 'hold', fraction: 0.05 + 0.9 * rng.float() });
    const part = readdirSync(outDir).find((n) => n.endsWith('.part'));
    proxy.missing = () =>
      file.size - (part === undefined ? 0 : Math.min(file.size, partBytes(join(outDir, part))));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'get', url, '--out', outDir, '--log-level', 'warn'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    if (!last) {
      proxy.onHold = () => {
        interruptions++;
        child.kill('SIGKILL');
      };
      await exited;
      proxy.onHold = undefined;
      proxy.plans.length = 0;
      await slotsFree();
      continue;
    }
    const code = await exited;
    if (code !== 0) throw new Error(`servent get exited ${code}: ${err}`);
    return {
      path: out.trim().split('\n').pop() ?? '',
      interruptions,
      verified: err.includes('SHA-1 verified'),
    };
  }
}

function partBytes(p: string): number {
  try {
    return readFileSync(p).length;
  } catch {
    return 0;
  }
}

describe(`interrupted downloads from a real servent (seed ${SEED}${FULL ? ', full run' : ''})`, () => {
  it(
    FULL
      ? `${FULL_DOWNLOADS} interrupted downloads, 0 corrupt`
      : `≥ ${QUICK_INTERRUPTIONS} interruptions, 0 corrupt`,
    async () => {
      const rng = createRng(SEED ^ 0x5a5a);
      const proxy = new Proxy(tn.servents[0]?.address().port ?? 0);
      await proxy.start();
      const tally = {
        downloads: 0,
        interrupted: 0,
        interruptions: 0,
        cut: 0,
        crash: 0,
        kill: 0,
        corrupt: 0,
        leftovers: 0,
        fileBytes: 0,
      };
      const started = Date.now();
      try {
        for (
          let n = 0;
          FULL ? tally.interrupted < FULL_DOWNLOADS : tally.interruptions < QUICK_INTERRUPTIONS;
          n++
        ) {
          const file = files[n % files.length] as SharedFile;
          const outDir = join(work, `d${n}`);
          mkdirSync(outDir);
          const before = { ...proxy.fired };
          let o: Outcome;
          // every 10th download (and the third of the quick run) goes through `servent get` children
          if (n % 10 === 2) {
            o = await childProcesses(file, 1 + rng.int(FULL ? 2 : 1), rng, outDir, proxy);
            tally.kill += o.interruptions;
          } else {
            const plans: Plan[] = Array.from({ length: 1 + rng.int(3) }, () => ({
              kind: rng.int(2) === 0 ? 'cut' : 'hold',
              fraction: 0.05 + 0.9 * rng.float(),
            }));
            o = await inProcess(file, plans, outDir, proxy);
            proxy.plans.length = 0;
            tally.cut += proxy.fired.cut - before.cut;
            tally.crash += proxy.fired.hold - before.hold;
          }
          tally.downloads++;
          tally.fileBytes += file.size;
          if (o.interruptions > 0) tally.interrupted++;
          tally.interruptions += o.interruptions;
          expect(o.verified).toBe(true);
          const got = readFileSync(o.path);
          if (sha1(got) !== sha1(contents.get(file.name) as Buffer)) tally.corrupt++;
          const names = readdirSync(outDir);
          if (names.length !== 1) tally.leftovers++;
          rmSync(outDir, { recursive: true, force: true });
          await slotsFree();
        }
      } finally {
        await proxy.close();
      }
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `resume stress (seed ${SEED}): ${tally.downloads} downloads (${tally.interrupted} interrupted), ${tally.interruptions} interruptions ` +
          `(${tally.cut} server cuts, ${tally.crash} in-process crashes, ${tally.kill} SIGKILLed servent get), ` +
          `${tally.corrupt} corrupt, ${tally.leftovers} with leftover files, ` +
          `${(proxy.bytesDown / tally.fileBytes).toFixed(2)} bytes sent per file byte, ${secs} s\n`,
      );
      expect(tally.corrupt).toBe(0);
      expect(tally.leftovers).toBe(0);
      if (FULL) expect(tally.interrupted).toBe(FULL_DOWNLOADS);
      else expect(tally.interruptions).toBeGreaterThanOrEqual(QUICK_INTERRUPTIONS);
      expect(tally.kill).toBeGreaterThan(0);
      expect(tally.crash).toBeGreaterThan(0);
      expect(tally.cut).toBeGreaterThan(0);
    },
    FULL ? 1_800_000 : 120_000,
  );
});
