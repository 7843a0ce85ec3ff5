/**
 * Upload throughput over loopback: our HTTP app (sockets handed over by a plain
 * `net.createServer`, exactly as the servent's listener does) against nginx when it is
 * installed (sendfile, one worker process), otherwise against Node's plain `http` +
 * `fs.createReadStream` with Range support. Both are measured in the same run by the same
 * client, which runs in a child process and discards what it reads.
 *
 *   1) a 1 GiB file fetched as 4 × 256 MiB Range requests on one keep-alive connection
 *      (best of 2 rounds, after a warm-up that loads the page cache);
 *   2) 100 concurrent downloads of a 10 MB file (each from its own 127.0.1.x address: the
 *      one-slot-per-IP rule applies): aggregate rate and our peak RSS.
 *
 *   npm run bench -- transfer        (or: npx tsx bench/transfer.ts [--size-mib 1024])
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createSystemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/log.js';
import {
  buildHttpApp,
  handOff,
  verifyIndexedFile,
  decideRange,
  type UploadFile,
} from '../src/transfer/index.js';

const MiB = 1024 * 1024;
const sizeArg = process.argv.indexOf('--size-mib');
const BIG = (sizeArg > 0 ? Number(process.argv[sizeArg + 1]) : 1024) * MiB;
const SMALL = 10_000_000;
const CONCURRENT = 100;

/** The download client (plain JS, run with `node -e`): jobs in, one JSON line out. */
const CLIENT = String.raw`
const net = require('node:net');
const jobs = JSON.parse(process.env.BENCH_JOBS);
function run(job) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port: job.port, host: '127.0.0.1', localAddress: job.localAddress });
    let i = 0, remaining = -1, head = Buffer.alloc(0), bytes = 0;
    const send = () => s.write('GET ' + job.path + ' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Keep-Alive\r\nRange: ' + job.ranges[i] + '\r\n\r\n');
    s.on('connect', send);
    s.on('data', (chunk) => {
      let off = 0;
      while (off < chunk.length) {
        if (remaining < 0) {
          head = Buffer.concat([head, chunk.subarray(off)]);
          const e = head.indexOf('\r\n\r\n');
          if (e < 0) return;
          const text = head.subarray(0, e).toString('latin1');
          const status = Number(text.split(' ')[1]);
          if (status !== 200 && status !== 206) { s.destroy(); reject(new Error('status ' + status)); return; }
          remaining = Number(/content-length:\s*(\d+)/i.exec(text)[1]);
          off = chunk.length - (head.length - (e + 4));
          head = Buffer.alloc(0);
        }
        const take = Math.min(remaining, chunk.length - off);
        remaining -= take; bytes += take; off += take;
        if (remaining === 0) {
          remaining = -1;
          if (++i === job.ranges.length) { s.destroy(); resolve(bytes); return; }
          send();
        }
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error('closed early after ' + bytes)));
  });
}
const t0 = process.hrtime.bigint();
Promise.all(jobs.map(run)).then((per) => {
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ bytes: per.reduce((a, b) => a + b, 0), ms }) + '\n');
}, (e) => { process.stdout.write(JSON.stringify({ error: String(e) }) + '\n'); });
`;

interface Job {
  port: number;
  path: string;
  ranges: string[];
  localAddress: string;
}

function runClient(jobs: Job[]): Promise<{ bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT], {
      env: { ...process.env, BENCH_JOBS: JSON.stringify(jobs) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => {
      try {
        const r = JSON.parse(out) as { bytes: number; ms: number; error?: string };
        if (r.error !== undefined) reject(new Error(r.error));
        else resolve(r);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${port} never opened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function writeFile(path: string, size: number): void {
  const block = randomFillSync(Buffer.allocUnsafe(MiB));
  const fd = openSync(path, 'w');
  for (let done = 0; done < size; done += MiB) writeSync(fd, block, 0, Math.min(MiB, size - done));
  closeSync(fd);
}

function entry(root: string, index: number, name: string): UploadFile {
  const path = realpathSync(join(root, name));
  const st = statSync(path);
  return { index, name, size: st.size, urn: undefined, path, root, mtimeMs: st.mtimeMs };
}

/** Baseline without nginx: Node's http server streaming with fs.createReadStream. */
function nodeBaseline(root: string, port: number): Promise<HttpServer> {
  const server = createHttpServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/+/, '');
    if (name !== 'big.bin' && name !== 'small.bin') return void res.writeHead(404).end();
    const path = join(root, name);
    const size = statSync(path).size;
    const d = decideRange(req.headers.range, size);
    if (d.kind === 'unsatisfiable')
      return void res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
    const [start, end] = d.kind === 'partial' ? [d.range.start, d.range.end] : [0, size - 1];
    res.writeHead(d.kind === 'partial' ? 206 : 200, {
      'Content-Length': end - start + 1,
      ...(d.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    createReadStream(path, { start, end }).pipe(res);
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

async function startNginx(dir: string, root: string, port: number): Promise<ChildProcess> {
  const conf = join(dir, 'nginx.conf');
  const t = (name: string): string => join(dir, name);
  const text = `daemon off;
master_process off;
worker_processes 1;
pid ${t('nginx.pid')};
error_log ${t('error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 30s;
  client_body_temp_path ${t('body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { }
  }
}
`;
  (await import('node:fs')).writeFileSync(conf, text);
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-e', t('error.log')], { stdio: 'inherit' });
  await waitForPort(port);
  return child;
}

function nginxInstalled(): boolean {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0;
}

/** Peak resident set (kB) of a process, from /proc (Linux); undefined elsewhere. */
function vmHwmKb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

/** CPU seconds used so far by a process: ours from process.cpuUsage, others from /proc. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 Hz)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface Measured {
  mbps: number;
  /** CPU seconds per GB served, server side */
  cpuPerGb: number | undefined;
}

async function measure(jobs: Job[], pid: number | undefined): Promise<Measured & { bytes: number }> {
  const c0 = cpuSeconds(pid);
  const r = await runClient(jobs);
  const c1 = cpuSeconds(pid);
  const cpu = c0 !== undefined && c1 !== undefined ? c1 - c0 : undefined;
  return {
    bytes: r.bytes,
    mbps: mbps(r.bytes, r.ms),
    cpuPerGb: cpu !== undefined ? cpu / (r.bytes / 1e9) : undefined,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmtCpu = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(2)} CPU-s/GB`);

async function main(): Promise<void> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'servent-bench-transfer-')));
  const root = join(dir, 'share');
  mkdirSync(root);
  let nginx: ChildProcess | undefined;
  let ours: Server | undefined;
  let baseline: HttpServer | undefined;
  const cleanup = (): void => {
    nginx?.kill('SIGTERM');
    ours?.close();
    baseline?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  try {
    console.log(`writing ${BIG / MiB} MiB and ${SMALL / 1e6} MB test files in ${dir}`);
    writeFile(join(root, 'big.bin'), BIG);
    writeFile(join(root, 'small.bin'), SMALL);
    const big = entry(root, 1, 'big.bin');
    const small = entry(root, 2, 'small.bin');

    const app = await buildHttpApp({
      library: {
        byIndex: (i) => (i === 1 ? big : i === 2 ? small : undefined),
        byUrn: () => undefined,
      },
      serverName: 'servent/bench',
      clock: createSystemClock(),
      log: silentLogger,
      verify: verifyIndexedFile,
      uploadSlots: CONCURRENT + 10,
      ...(process.env.BENCH_CHUNK !== undefined ? { chunkBytes: Number(process.env.BENCH_CHUNK) } : {}),
    });
    const ourPort = await freePort();
    ours = createServer((socket) => {
      socket.once('data', (peeked: Buffer) => {
        socket.pause();
        void handOff(app, socket, peeked);
      });
    });
    await new Promise<void>((r) => ours?.listen(ourPort, '127.0.0.1', r));

    const basePort = await freePort();
    let baseName: string;
    if (nginxInstalled()) {
      nginx = await startNginx(dir, root, basePort);
      baseName = 'nginx';
    } else {
      baseline = await nodeBaseline(root, basePort);
      baseName = 'node http+createReadStream';
      console.log(
        'nginx not installed: baseline is Node http + fs.createReadStream (install nginx-light for the real comparison)',
      );
    }

    const quarter = BIG / 4;
    const ranges = [0, 1, 2, 3].map((i) => `bytes=${i * quarter}-${(i + 1) * quarter - 1}`);
    const bigJob = (port: number, path: string): Job[] => [{ port, path, ranges, localAddress: '127.0.0.2' }];
    // warm-up: loads the page cache for both
    await runClient(bigJob(basePort, '/big.bin'));
    // Interleaved rounds; the machine may be shared, so medians are reported.
    const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
    const basePid = nginx?.pid;
    const ourRuns: Measured[] = [];
    const baseRuns: Measured[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // alternate who goes first, so a slow phase of the machine hits both alike
      let a: Measured & { bytes: number };
      let b: Measured & { bytes: number };
      if (round % 2 === 1) {
        a = await measure(bigJob(ourPort, '/get/1/big.bin'), undefined);
        b = await measure(bigJob(basePort, '/big.bin'), basePid);
      } else {
        b = await measure(bigJob(basePort, '/big.bin'), basePid);
        a = await measure(bigJob(ourPort, '/get/1/big.bin'), undefined);
      }
      if (a.bytes !== BIG || b.bytes !== BIG) throw new Error(`short download: ${a.bytes} / ${b.bytes}`);
      ourRuns.push(a);
      baseRuns.push(b);
      console.log(
        `  round ${round}: servent ${a.mbps.toFixed(0)} MB/s (${fmtCpu(a.cpuPerGb)}), ${baseName} ${b.mbps.toFixed(0)} MB/s (${fmtCpu(b.cpuPerGb)})`,
      );
    }
    const pairRatio = median(ourRuns.map((r, i) => r.mbps / (baseRuns[i] as Measured).mbps));
    const ourMed = median(ourRuns.map((r) => r.mbps));
    const baseMed = median(baseRuns.map((r) => r.mbps));
    const ourCpu = median(ourRuns.map((r) => r.cpuPerGb ?? NaN));
    const baseCpu = baseName === 'nginx' ? median(baseRuns.map((r) => r.cpuPerGb ?? NaN)) : NaN;
    console.log(
      `${BIG / MiB} MiB as 4 × ${quarter / MiB} MiB ranges, keep-alive, median of ${ROUNDS} (MB = 10^6 bytes):`,
    );
    console.log(
      `  servent ${ourMed.toFixed(0)} MB/s   ${baseName} ${baseMed.toFixed(0)} MB/s   ratio of medians ${(ourMed / baseMed).toFixed(2)}×, median of per-round ratios ${pairRatio.toFixed(2)}× (goal ≥ 0.9×)`,
    );
    console.log(
      `  best: servent ${Math.max(...ourRuns.map((r) => r.mbps)).toFixed(0)} MB/s, ${baseName} ${Math.max(...baseRuns.map((r) => r.mbps)).toFixed(0)} MB/s;` +
        ` server CPU: servent ${fmtCpu(ourCpu)}` +
        (Number.isNaN(baseCpu) ? '' : `, ${baseName} ${fmtCpu(baseCpu)}`),
    );

    const manyJobs = (port: number, path: string): Job[] =>
      Array.from({ length: CONCURRENT }, (_, i) => ({
        port,
        path,
        ranges: ['bytes=0-'],
        localAddress: `127.0.1.${i + 1}`,
      }));
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 10);
    const m = await measure(manyJobs(ourPort, '/get/2/small.bin'), undefined);
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    const n = await measure(manyJobs(basePort, '/small.bin'), basePid);
    if (m.bytes !== SMALL * CONCURRENT || n.bytes !== SMALL * CONCURRENT)
      throw new Error('short download (100×10 MB)');
    const hwm = vmHwmKb(nginx?.pid);
    console.log(`${CONCURRENT} concurrent downloads of 10 MB (1 GB in all):`);
    console.log(
      `  servent ${m.mbps.toFixed(0)} MB/s (${fmtCpu(m.cpuPerGb)})   ${baseName} ${n.mbps.toFixed(0)} MB/s (${fmtCpu(basePid === undefined ? undefined : n.cpuPerGb)})   ratio ${(m.mbps / n.mbps).toFixed(2)}×`,
    );
    console.log(
      `  servent RSS ${(rssBefore / MiB).toFixed(0)} MiB before, peak ${(rssPeak / MiB).toFixed(0)} MiB during (+${((rssPeak - rssBefore) / MiB).toFixed(0)} MiB)` +
        (hwm !== undefined ? `; nginx peak RSS ${(hwm / 1024).toFixed(0)} MiB` : ''),
    );
    await app.close();
  } finally {
    cleanup();
  }
}

await main();
