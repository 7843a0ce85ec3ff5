/**
 * Servent processes inside the test namespaces: `servent start` as a long-lived child per
 * host, and short `servent search` / `servent get` runs. `ip netns exec` enters the
 * namespace and execs the command, so a child's pid is the servent's own (its memory
 * high-water mark is read from /proc/<pid>/status). Every child is tracked here so that
 * cleanup can end exactly the processes this run started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execIn, hostIp, hostNs } from './net.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const PORT = 6346;
export const API_PORT = 7346;

const children = new Set<ChildProcess>();

/** Ends every child this run started (by pid) and waits a moment for them to go. */
export async function killAll(): Promise<number> {
  let n = 0;
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
        n++;
      } catch {
        // gone already
      }
    }
  }
  children.clear();
  if (n > 0) await new Promise((r) => setTimeout(r, 200));
  return n;
}

function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

export interface Host {
  readonly i: number;
  readonly ns: string;
  readonly ip: string;
  readonly dir: string;
  readonly child: ChildProcess;
  readonly pid: number;
  alive: boolean;
  /** highest VmHWM seen, kB */
  hwmKb: number;
  /** stderr and stdout, for the report when something fails */
  readonly logFile: string;
}

export function readHwmKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

export function sampleHwm(hosts: readonly Host[]): void {
  for (const h of hosts) {
    if (!h.alive) continue;
    const kb = readHwmKb(h.pid);
    if (kb !== undefined) h.hwmKb = Math.max(h.hwmKb, kb);
  }
}

/** Starts `servent start` in host i's namespace; resolves once it prints its banner. */
export function startHost(
  i: number,
  dir: string,
  routing: string,
  peers: readonly string[],
  seed: number,
  timeoutMs = 120_000,
): Promise<Host> {
  const ns = hostNs(i);
  const ip = hostIp(i);
  const logFile = join(dir, 'servent.log');
  const args = [
    'netns',
    'exec',
    ns,
    process.execPath,
    '--import',
    'tsx',
    'src/cli/main.ts',
    'start',
    '--listen',
    `${ip}:${PORT}`,
    '--share',
    join(dir, 'share'),
    '--data',
    join(dir, 'data'),
    '--routing',
    routing,
    '--api',
    `127.0.0.1:${API_PORT}`,
    '--log-level',
    'warn',
    '--seed',
    String(seed),
    '--no-watch',
    ...peers.flatMap((p) => ['--peer', p]),
  ];
  const child = track(spawn('ip', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(`no banner after ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
      reject(
        new Error(`${ns}: servent start ${routing}: ${why}: ${err.trim().split('\n').slice(-3).join(' | ')}`),
      );
    };
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (!out.includes('listening on')) return;
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      const host: Host = { i, ns, ip, dir, child, pid: child.pid ?? -1, alive: true, hwmKb: 0, logFile };
      child.once('exit', () => (host.alive = false));
      resolve(host);
    });
    child.once('exit', (code, sig) => fail(`exited (${code ?? sig})`));
  });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `servent <args>` inside a namespace, killed after `timeoutMs`. */
export function cliIn(ns: string, args: readonly string[], timeoutMs: number): Promise<CliResult> {
  const started = Date.now();
  const child = track(
    spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** GET on a servent's control API, from inside its namespace (plain node, no loader). */
export async function apiGet(ns: string, path: string): Promise<unknown> {
  const script = `fetch('http://127.0.0.1:${API_PORT}${path}').then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`;
  return JSON.parse(await execIn(ns, process.execPath, '-e', script)) as unknown;
}
