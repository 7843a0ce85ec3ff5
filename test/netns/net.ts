/**
 * The test network: one network namespace per host, all joined by a bridge that lives in
 * its own namespace (the hub). Nothing is created in, attached to, or routed through the
 * machine's own namespace: hosts have an address in 10.77.0.0/24 on their `eth0` and
 * loopback, no default route, so their traffic cannot leave the namespaces.
 *
 *   svtnt-h01 ─ eth0 ══ vh01 ─┐
 *   svtnt-h02 ─ eth0 ══ vh02 ─┼─ br0 (svtnt-hub)
 *   …                         ┘
 *
 * Links are shaped on each host's egress: `tc netem delay … loss …` when the kernel has
 * netem; otherwise loss only, with what every kernel that has cls_bpf and tbf offers: a
 * classic-BPF classifier draws a random number per packet and sends the chosen share to
 * a class whose tbf qdisc drops every packet (a packet larger than the tbf burst can never
 * be sent). Every name starts with `svtnt-` so leftovers of a crashed run can be found.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const PREFIX = 'svtnt-';
export const HUB = `${PREFIX}hub`;
export const SUBNET = '10.77.0';

export function hostNs(i: number): string {
  return `${PREFIX}h${String(i + 1).padStart(2, '0')}`;
}

export function hostIp(i: number): string {
  return `${SUBNET}.${11 + i}`;
}

/** Runs a command; rejects with its stderr on a non-zero exit. */
export async function sh(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  try {
    const { stdout } = await exec(cmd, [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
}

/** `ip` inside namespace `ns` */
export const ipIn = (ns: string, ...args: string[]): Promise<string> => sh('ip', ['-n', ns, ...args]);
/** any command inside namespace `ns` */
export const execIn = (ns: string, cmd: string, ...args: string[]): Promise<string> =>
  sh('ip', ['netns', 'exec', ns, cmd, ...args]);

export async function ourNamespaces(): Promise<string[]> {
  const out = await sh('ip', ['netns', 'list']).catch(() => '');
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
}

/** Pids of the processes inside one of our namespaces. */
export async function pidsIn(ns: string): Promise<number[]> {
  const out = await sh('ip', ['netns', 'pids', ns]).catch(() => '');
  return out
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/**
 * Removes everything a previous or current run left: the processes inside our namespaces
 * (they can only be ours), then the namespaces (their veths and the bridge go with them).
 * Idempotent.
 */
export async function removeNetwork(): Promise<{ namespaces: number; processes: number }> {
  const names = await ourNamespaces();
  let processes = 0;
  for (const ns of names) {
    for (const pid of await pidsIn(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
        processes++;
      } catch {
        // already gone
      }
    }
  }
  if (processes > 0) await new Promise((r) => setTimeout(r, 300));
  for (const ns of names) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
  return { namespaces: names.length, processes };
}

export type Shaping =
  | { readonly kind: 'netem'; readonly delayMs: number; readonly jitterMs: number; readonly lossPct: number }
  | { readonly kind: 'bpf-loss'; readonly lossPct: number; readonly why: string };

/** classic BPF: A = random u32; A ≥ threshold → 0 (no match, default class); else −1 (drop class) */
function lossProgram(lossPct: number): string {
  const SKF_AD_RANDOM = 0xfffff000 + 56; // SKF_AD_OFF + SKF_AD_RANDOM
  const threshold = Math.round((lossPct / 100) * 0xffffffff);
  return `4,32 0 0 ${SKF_AD_RANDOM},53 0 1 ${threshold},6 0 0 0,6 0 0 4294967295`;
}

async function shapeHost(
  ns: string,
  want: { delayMs: number; jitterMs: number; lossPct: number },
): Promise<Shaping> {
  try {
    await execIn(
      ns,
      'tc',
      'qdisc',
      'add',
      'dev',
      'eth0',
      'root',
      'netem',
      'delay',
      `${want.delayMs}ms`,
      `${want.jitterMs}ms`,
      'loss',
      `${want.lossPct}%`,
    );
    return { kind: 'netem', ...want };
  } catch (e) {
    const why = (e as Error).message.split('\n').pop() ?? '';
    const tc = (...a: string[]): Promise<string> => execIn(ns, 'tc', ...a);
    await tc('qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'htb', 'default', '10');
    await tc('class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '1gbit');
    await tc('class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '1gbit');
    await tc(
      'qdisc',
      'add',
      'dev',
      'eth0',
      'parent',
      '1:20',
      'handle',
      '20:',
      'tbf',
      'rate',
      '8kbit',
      'burst',
      '64',
      'limit',
      '64',
    );
    await tc(
      'filter',
      'add',
      'dev',
      'eth0',
      'parent',
      '1:',
      'protocol',
      'all',
      'prio',
      '1',
      'bpf',
      'bytecode',
      lossProgram(want.lossPct),
      'classid',
      '1:20',
    );
    return { kind: 'bpf-loss', lossPct: want.lossPct, why: `netem unavailable (${why.trim()})` };
  }
}

/** Packets dropped by the loss emulation on a host's egress, as tc counts them. */
export async function droppedPackets(ns: string): Promise<{ sent: number; dropped: number }> {
  const out = await execIn(ns, 'tc', '-s', 'qdisc', 'show', 'dev', 'eth0').catch(() => '');
  const first = /Sent \d+ bytes (\d+) pkt \(dropped (\d+)/.exec(out);
  return { sent: Number(first?.[1] ?? 0), dropped: Number(first?.[2] ?? 0) };
}

export interface Network {
  readonly hosts: number;
  readonly shaping: Shaping;
}

/** Creates the hub with its bridge and `n` hosts, each shaped. */
export async function createNetwork(
  n: number,
  want: { delayMs: number; jitterMs: number; lossPct: number },
): Promise<Network> {
  await sh('ip', ['netns', 'add', HUB]);
  await ipIn(HUB, 'link', 'set', 'lo', 'up');
  await ipIn(HUB, 'link', 'add', 'name', 'br0', 'type', 'bridge');
  await ipIn(HUB, 'link', 'set', 'br0', 'up');
  let shaping: Shaping | undefined;
  for (let i = 0; i < n; i++) {
    const ns = hostNs(i);
    const port = `vh${String(i + 1).padStart(2, '0')}`;
    await sh('ip', ['netns', 'add', ns]);
    // the veth is born in the hub; its peer goes straight into the host's namespace
    await ipIn(HUB, 'link', 'add', 'name', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ipIn(HUB, 'link', 'set', port, 'master', 'br0');
    await ipIn(HUB, 'link', 'set', port, 'up');
    await ipIn(ns, 'link', 'set', 'lo', 'up');
    await ipIn(ns, 'addr', 'add', `${hostIp(i)}/24`, 'dev', 'eth0');
    await ipIn(ns, 'link', 'set', 'eth0', 'up');
    // one wire-sized packet per skb, so that loss is per packet rather than per 64 KiB
    // segmentation-offload burst (older kernels may refuse: then bursts it is)
    await ipIn(ns, 'link', 'set', 'eth0', 'gso_max_size', '1500', 'gso_max_segs', '1').catch(() => undefined);
    shaping = await shapeHost(ns, want);
  }
  return { hosts: n, shaping: shaping ?? { kind: 'bpf-loss', lossPct: 0, why: 'no hosts' } };
}

/** Waits until host 0 reaches every other host (ARP and the bridge settle). */
export async function waitReachable(n: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const script = `
    const net = require('node:net');
    const ips = ${JSON.stringify(Array.from({ length: n - 1 }, (_, i) => hostIp(i + 1)))};
    let left = ips.length;
    for (const ip of ips) {
      const s = net.connect({ host: ip, port: 9 });
      const done = () => { s.destroy(); if (--left === 0) process.exit(0); };
      s.on('error', (e) => (e.code === 'ECONNREFUSED' ? done() : process.exit(1)));
      s.on('connect', done);
      s.setTimeout(3000, () => process.exit(1));
    }`;
  for (;;) {
    try {
      await execIn(hostNs(0), process.execPath, '-e', script);
      return;
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`hosts not reachable: ${(e as Error).message}`, { cause: e });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
