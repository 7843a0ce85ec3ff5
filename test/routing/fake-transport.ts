/**
 * One flood router on a recording transport: tests deliver messages "from" named links
 * and read back exactly what the router sent, to whom.
 */
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createRng } from '../../src/core/rng.js';
import type { Message } from '../../src/protocol/messages.js';
import { createFloodRouter, type FloodInit, type FloodRouter } from '../../src/routing/flood/index.js';
import type { PeerId, PeerInfo, Transport, TransportHandler } from '../../src/routing/types.js';

export interface Sent {
  readonly to: PeerId;
  readonly msg: Message;
}

export class RecordingTransport implements Transport<Message> {
  readonly localId = 'me';
  handler: TransportHandler<Message> | undefined;
  sent: Sent[] = [];
  readonly refuse = new Set<PeerId>();

  send(to: PeerId, msg: Message): boolean {
    if (this.refuse.has(to)) return false;
    this.sent.push({ to, msg });
    return true;
  }
  setHandler(h: TransportHandler<Message>): void {
    this.handler = h;
  }
  up(id: PeerId, info: Partial<PeerInfo> = {}): void {
    this.handler?.peerUp?.({ id, ...info });
  }
  down(id: PeerId): void {
    this.handler?.peerDown?.(id);
  }
  deliver(from: PeerId, msg: Message): void {
    this.handler?.message(from, msg);
  }
  /** what was sent since the last take(), then forgets it */
  take(): Sent[] {
    const s = this.sent;
    this.sent = [];
    return s;
  }
}

export const SELF_ID = Buffer.from('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', 'hex');
export const SELF_ADDR = { ip: '127.0.0.9', port: 6346 };

export interface Single {
  readonly router: FloodRouter;
  readonly t: RecordingTransport;
  readonly clock: ManualClock;
  readonly pushes: Message[];
  readonly hosts: string[];
}

export async function single(
  init: Partial<FloodInit> = {},
  links: readonly PeerId[] = ['a', 'b', 'c'],
): Promise<Single> {
  const t = new RecordingTransport();
  const clock = new ManualClock(1_000_000);
  const pushes: Message[] = [];
  const hosts: string[] = [];
  const router = createFloodRouter(
    { clock, rng: createRng(7), log: silentLogger, transport: t },
    {
      serventId: SELF_ID,
      advertised: () => SELF_ADDR,
      onPush: (p) => pushes.push(p),
      onHost: (ip, port) => hosts.push(`${ip}:${port}`),
      ...init,
    },
  );
  for (const id of links) t.up(id);
  await router.start();
  return { router, t, clock, pushes, hosts };
}

let guidSeq = 0;
/** A distinct, recognisable 16-byte GUID per call. */
export function guid(): Buffer {
  const g = Buffer.alloc(16, 0x11);
  g.writeUInt32BE(++guidSeq, 0);
  return g;
}

export function extra(r: FloodRouter, key: string): number {
  return r.stats().extra?.[key] ?? 0;
}
