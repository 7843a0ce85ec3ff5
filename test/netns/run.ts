/**
 * `npm run test:netns` — servents on a real multi-host network of Linux network
 * namespaces (root only; skipped with exit 0 otherwise, or without `ip`).
 *
 *   npm run test:netns -- [--hosts 20] [--routing flood,chord,kelips] [--kill 0.3]
 *                         [--lookups 16] [--downloads 3] [--seed N] [--keep]
 *
 * For each back-end: n hosts on a bridge (10.77.0.0/24, links shaped: delay and loss), one
 * `servent start` per host, lookups and downloads from several hosts, 30% SIGKILLed, the
 * files of live holders looked up and downloaded again; then a summary. Everything it
 * creates (namespaces, veths, bridge, processes, temp dirs) is removed at the end, on
 * failure, on SIGINT/SIGTERM, and at the start of the next run (names start with svtnt-).
 * Exit status: 0 passed or skipped, 1 failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killAll, ROOT } from './hosts.js';
import { createNetwork, droppedPackets, hostNs, PREFIX, removeNetwork, sh, waitReachable } from './net.js';
import { runScenario, type ScenarioResult } from './scenario.js';

const log = (line: string): void => void process.stdout.write(`test:netns: ${line}\n`);

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '20' },
    routing: { type: 'string', default: 'flood,chord,kelips' },
    kill: { type: 'string', default: '0.3' },
    lookups: { type: 'string', default: '16' },
    downloads: { type: 'string', default: '3' },
    seed: { type: 'string', default: '77' },
    keep: { type: 'boolean', default: false },
  },
});
const hostsN = Number(values.hosts);
const seed = Number(values.seed) >>> 0;

function skip(why: string): never {
  log(`skipped: ${why}`);
  process.exit(0);
}

if (process.platform !== 'linux') skip('network namespaces need Linux');
if (process.getuid?.() !== 0) skip(`needs root (running as uid ${process.getuid?.() ?? '?'})`);
if (spawnSync('ip', ['-V']).status !== 0) skip('`ip` (iproute2) is not installed');

const TMP_PREFIX = `${PREFIX}run-`;
let workDir: string | undefined;

async function cleanup(): Promise<void> {
  const procs = await killAll();
  const net = await removeNetwork();
  // temp dirs of this run and of crashed runs
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith(TMP_PREFIX)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  if (procs + net.namespaces + net.processes > 0)
    log(
      `cleanup: ${procs} child processes, ${net.processes} processes in our namespaces, ${net.namespaces} namespaces removed`,
    );
}

let cleaning: Promise<void> | undefined;
const onSignal = (sig: NodeJS.Signals): void => {
  log(`${sig}: cleaning up`);
  cleaning ??= cleanup();
  void cleaning.finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

/** The back-ends `servent start --routing` accepts and can run in this build. */
async function available(wanted: string[]): Promise<{ run: string[]; skipped: string[] }> {
  const run: string[] = [];
  const skipped: string[] = [];
  for (const [k, r] of wanted.entries()) {
    // loopback of this namespace only, on a port unlikely to be taken
    const port = 43_000 + ((seed + k * 97) % 2_000);
    const probe = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'start',
        '--routing',
        r,
        '--listen',
        `127.0.0.1:${port}`,
        '--api',
        'off',
        '--data',
        join(workDir ?? tmpdir(), `probe-${r}`),
        '--no-watch',
        '--log-level',
        'error',
      ],
      { cwd: ROOT, timeout: 8_000, encoding: 'utf8', killSignal: 'SIGKILL' },
    );
    // a servent that runs until the timeout is available; one that exits at once is not
    if (probe.signal === 'SIGKILL' || probe.stdout.includes('listening on')) run.push(r);
    else
      skipped.push(
        `${r} (${(probe.stderr || probe.stdout).trim().split('\n').pop() ?? `exit ${probe.status}`})`,
      );
  }
  return { run, skipped };
}

function summary(results: readonly ScenarioResult[], shaping: string, drops: string): boolean {
  const pct = (a: number, b: number): string => (b === 0 ? '—' : `${Math.round((100 * a) / b)}%`);
  const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;
  log('');
  log(`links: ${shaping}; ${drops}`);
  log(
    '| back-end | hosts | started in | answers after | lookups before | lookups after kill | downloads verified | VmHWM min / median / max |',
  );
  log('|---|---|---|---|---|---|---|---|');
  let ok = true;
  for (const r of results) {
    const hwm = r.hwmKb.filter((k) => k > 0).sort((a, b) => a - b);
    const med = hwm[Math.floor(hwm.length / 2)] ?? 0;
    const dl = r.before.verified + r.after.verified;
    const dt = r.before.downloads + r.after.downloads;
    log(
      `| ${r.routing} | ${r.hosts} (${r.killed.length} killed) | ${r.startS.toFixed(0)} s | ${r.formedS === undefined ? 'never' : `${r.formedS.toFixed(0)} s`} | ` +
        `${r.before.found}/${r.before.tried} (${pct(r.before.found, r.before.tried)}) | ${r.after.found}/${r.after.tried} (${pct(r.after.found, r.after.tried)}) | ` +
        `${dl}/${dt} | ${mb(hwm[0] ?? 0)} / ${mb(med)} / ${mb(hwm[hwm.length - 1] ?? 0)} |`,
    );
    const misses = [...r.before.misses.map((m) => `before ${m}`), ...r.after.misses.map((m) => `after ${m}`)];
    if (misses.length > 0) log(`  ${r.routing} misses (searcher→holder): ${misses.join('; ')}`);
    for (const e of r.errors) log(`  ${r.routing} error: ${e}`);
    const failed: string[] = [];
    if (r.errors.length > 0) failed.push('errors');
    if (r.formedS === undefined) failed.push('overlay never answered');
    if (r.before.found < 0.9 * r.before.tried) failed.push('< 90% of lookups before the kill');
    if (r.after.found < 0.8 * r.after.tried) failed.push('< 80% of lookups after the kill');
    if (r.before.corrupt + r.after.corrupt > 0) failed.push('corrupt downloads');
    if (r.before.verified === 0 || r.after.verified === 0)
      failed.push('no verified download before or after the kill');
    if (failed.length > 0) {
      ok = false;
      log(`  ${r.routing}: FAILED (${failed.join(', ')})`);
    }
  }
  return ok;
}

let passed = false;
const started = Date.now();
try {
  await cleanup(); // leftovers of a crashed run
  workDir = mkdtempSync(join(tmpdir(), TMP_PREFIX));
  const { run, skipped } = await available(values.routing.split(',').map((s) => s.trim()));
  for (const s of skipped) log(`back-end skipped: ${s}`);
  let network;
  try {
    network = await createNetwork(hostsN, { delayMs: 20, jitterMs: 5, lossPct: 1 });
  } catch (e) {
    const msg = (e as Error).message;
    if (/Operation not permitted|Permission denied|not supported/i.test(msg)) {
      await cleanup();
      skip(`cannot create network namespaces here: ${msg}`);
    }
    throw e;
  }
  const shaping =
    network.shaping.kind === 'netem'
      ? `netem delay ${network.shaping.delayMs} ms ± ${network.shaping.jitterMs} ms, loss ${network.shaping.lossPct}% on each host's egress`
      : `loss ${network.shaping.lossPct}% on each host's egress (classic-BPF random classifier → dropping tbf class); no delay: ${network.shaping.why}`;
  log(`${hostsN} hosts on a bridge in ${PREFIX}hub, 10.77.0.11–${10 + hostsN}; ${shaping}`);
  await waitReachable(hostsN);
  const results: ScenarioResult[] = [];
  for (const [k, routing] of run.entries()) {
    results.push(
      await runScenario({
        routing,
        hosts: hostsN,
        killFraction: Number(values.kill),
        lookups: Number(values.lookups),
        downloads: Number(values.downloads),
        seed: seed + 1000 * k,
        dir: workDir,
        log,
      }),
    );
    await killAll();
  }
  let sent = 0;
  let dropped = 0;
  for (let i = 0; i < hostsN; i++) {
    const d = await droppedPackets(hostNs(i));
    sent += d.sent;
    dropped += d.dropped;
  }
  const drops = `${dropped} of ${sent + dropped} packets dropped by the emulation (${((100 * dropped) / Math.max(1, sent + dropped)).toFixed(2)}%)`;
  passed = summary(results, shaping, drops) && results.length > 0;
  if (results.length === 0) log('no back-end could run');
} catch (e) {
  log(`FAILED: ${(e as Error).stack ?? String(e)}`);
} finally {
  if (values.keep) log(`--keep: left ${workDir ?? ''} and the ${PREFIX}* namespaces in place`);
  else {
    cleaning ??= cleanup();
    await cleaning;
    const left = await sh('ip', ['netns', 'list']).catch(() => '');
    if (left.includes(PREFIX)) {
      log('cleanup left namespaces behind');
      passed = false;
    }
  }
}
log(`${passed ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(passed ? 0 : 1);
