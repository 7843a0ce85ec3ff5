/**
 * Per-neighbour state: what the transport told us about the link, when it last pinged
 * us (the 0.6 rule answers at most one Ping per second per link), and the pong cache of
 * hosts learned through it (LimeWire's scheme, wire §7.6) — a small ring, allocated on
 * the first Pong.
 */
import type { Pong } from '../../protocol/messages.js';
import type { PeerInfo } from '../types.js';

export interface CachedPong {
  readonly ip: string;
  readonly port: number;
  readonly files: number;
  readonly kbytes: number;
  /** hops the Pong had travelled when it reached us */
  readonly hops: number;
}

/** Heap bytes of a link record with its Map entry (measured ~148) and of one cached pong. */
export const LINK_BYTES = 150;
export const CACHED_PONG_BYTES = 96;

export class Link {
  lastPingAt = Number.NEGATIVE_INFINITY;
  private pongs: CachedPong[] | undefined;
  private pongNext = 0;

  constructor(readonly info: PeerInfo) {}

  get weAreLeaf(): boolean {
    return this.info.weAreLeaf === true;
  }

  get pongCount(): number {
    return this.pongs === undefined ? 0 : this.pongs.length;
  }

  /** Remembers a Pong, replacing the oldest once `max` are held. */
  cachePong(p: Pong, max: number): void {
    if (max <= 0) return;
    const entry: CachedPong = { ip: p.ip, port: p.port, files: p.files, kbytes: p.kbytes, hops: p.hops };
    const ring = (this.pongs ??= []);
    if (ring.length < max) {
      ring.push(entry);
      return;
    }
    ring[this.pongNext % ring.length] = entry;
    this.pongNext = (this.pongNext + 1) % ring.length;
  }

  /** The k-th most recent cached pong (0 = newest), or undefined. */
  pongAt(k: number): CachedPong | undefined {
    const ring = this.pongs;
    if (ring === undefined || k >= ring.length) return undefined;
    // once full, pongNext points at the oldest; before that the newest is the last pushed
    const newest = ring.length < 1 ? 0 : (this.pongNext + ring.length - 1) % ring.length;
    return ring[(newest - k + ring.length * 2) % ring.length];
  }
}
