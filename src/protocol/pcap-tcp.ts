/**
 * TCP stream reassembly per connection and direction, by sequence number. Segments are
 * placed at their offset from the first data byte (the SYN's sequence + 1, or the first
 * segment seen when the capture started mid-connection), so retransmissions, overlaps and
 * out-of-order arrival all collapse into one byte stream; the first copy of a byte wins.
 * A hole (a segment that was never captured, or a frame cut by the snaplen) ends the
 * stream there and marks it incomplete. Data after the FIN is ignored. A new SYN on a
 * finished 4-tuple (port reuse) starts a new conversation.
 *
 * Memory: only captured bytes are kept (views into the file); a sequence number can never
 * make us allocate.
 */
import { ProtocolError } from '../core/errors.js';
import {
  DEFAULT_PCAP_LIMITS,
  PcapErrorCode,
  readPcap,
  type PcapHeader,
  type PcapLimits,
  type PcapReadOptions,
} from './pcap-file.js';
import { TcpFlag, checkLinkType, parsePacket, type PacketSkip, type TcpSegment } from './pcap-packet.js';

export interface TcpEndpoint {
  readonly ip: string;
  readonly port: number;
}

export interface TcpConversation {
  /** the side that sent the SYN (or, without a SYN in the capture, the first packet) */
  readonly client: TcpEndpoint;
  readonly server: TcpEndpoint;
  readonly clientToServer: Buffer;
  readonly serverToClient: Buffer;
  /** record index of the conversation's first packet */
  readonly firstRecord: number;
  /** capture time of the first packet, in seconds */
  readonly startTime: number;
  /** whether a SYN was seen (then `client` is certain) */
  readonly synSeen: boolean;
  /** bytes are missing in that direction: the stream stops at the first hole */
  readonly incomplete: { readonly clientToServer: boolean; readonly serverToClient: boolean };
}

export interface PcapTcpResult {
  readonly header: PcapHeader;
  /** in order of their first packet */
  readonly conversations: TcpConversation[];
  readonly stats: {
    readonly records: number;
    readonly tcpSegments: number;
    readonly skipped: Record<PacketSkip, number>;
  };
  /** set when `allowTruncatedEnd` let a file that ends inside a record through */
  readonly truncated?: ProtocolError;
}

interface Piece {
  readonly off: number;
  readonly data: Buffer;
  /** offset just past the segment's payload as sent (captured or not) */
  readonly fullEnd: number;
}

class Direction {
  base: number | undefined;
  synSeq: number | undefined;
  finOff: number | undefined;
  readonly pieces: Piece[] = [];

  hasData(): boolean {
    return this.pieces.length > 0 || this.finOff !== undefined;
  }

  add(seg: TcpSegment): void {
    const syn = (seg.flags & TcpFlag.SYN) !== 0;
    const fin = (seg.flags & TcpFlag.FIN) !== 0;
    if (syn) {
      this.synSeq = seg.seq;
      this.base = (seg.seq + 1) >>> 0;
    }
    if (seg.payloadLength === 0 && !fin) return;
    const dataSeq = syn ? (seg.seq + 1) >>> 0 : seg.seq;
    if (this.base === undefined) this.base = dataSeq;
    // signed 32-bit distance: sequence numbers wrap around
    let off = (dataSeq - this.base) | 0;
    let data = seg.payload;
    const fullEnd = off + seg.payloadLength;
    if (fin && (this.finOff === undefined || fullEnd < this.finOff)) this.finOff = fullEnd;
    if (data.length === 0) return;
    if (off < 0) {
      // bytes from before the first one we track (capture started mid-stream)
      if (off + data.length <= 0) return;
      data = data.subarray(-off);
      off = 0;
    }
    this.pieces.push({ off, data, fullEnd });
  }

  assemble(): { bytes: Buffer; incomplete: boolean } {
    const sorted = this.pieces.slice().sort((a, b) => a.off - b.off);
    const limit = this.finOff ?? Number.POSITIVE_INFINITY;
    const chunks: Buffer[] = [];
    let cursor = 0;
    for (const p of sorted) {
      if (p.off > cursor || cursor >= limit) break;
      const end = Math.min(p.off + p.data.length, limit);
      if (end <= cursor) continue;
      chunks.push(p.data.subarray(cursor - p.off, end - p.off));
      cursor = end;
    }
    const incomplete = this.pieces.some((p) => Math.min(p.fullEnd, limit) > cursor);
    return { bytes: Buffer.concat(chunks), incomplete };
  }
}

class Connection {
  readonly a: TcpEndpoint;
  readonly b: TcpEndpoint;
  readonly fromA = new Direction();
  readonly fromB = new Direction();
  clientIsA = true;
  clientCertain = false;

  constructor(
    seg: TcpSegment,
    readonly firstRecord: number,
    readonly startTime: number,
  ) {
    this.a = { ip: seg.srcIp, port: seg.srcPort };
    this.b = { ip: seg.dstIp, port: seg.dstPort };
  }

  isFromA(seg: TcpSegment): boolean {
    return seg.srcIp === this.a.ip && seg.srcPort === this.a.port;
  }

  /** a fresh SYN for a direction that already carried another stream: the 4-tuple was reused */
  isReusedBy(seg: TcpSegment): boolean {
    if ((seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN) return false;
    const dir = this.isFromA(seg) ? this.fromA : this.fromB;
    return dir.synSeq !== undefined ? dir.synSeq !== seg.seq : dir.hasData();
  }

  add(seg: TcpSegment): void {
    const fromA = this.isFromA(seg);
    const synAck = seg.flags & (TcpFlag.SYN | TcpFlag.ACK);
    if (synAck === TcpFlag.SYN) {
      this.clientIsA = fromA;
      this.clientCertain = true;
    } else if (synAck === (TcpFlag.SYN | TcpFlag.ACK) && !this.clientCertain) {
      this.clientIsA = !fromA;
      this.clientCertain = true;
    }
    (fromA ? this.fromA : this.fromB).add(seg);
  }

  finish(): TcpConversation {
    const a = this.fromA.assemble();
    const b = this.fromB.assemble();
    const [c2s, s2c] = this.clientIsA ? [a, b] : [b, a];
    return {
      client: this.clientIsA ? this.a : this.b,
      server: this.clientIsA ? this.b : this.a,
      clientToServer: c2s.bytes,
      serverToClient: s2c.bytes,
      firstRecord: this.firstRecord,
      startTime: this.startTime,
      synSeen: this.clientCertain,
      incomplete: { clientToServer: c2s.incomplete, serverToClient: s2c.incomplete },
    };
  }
}

function connectionKey(seg: TcpSegment): string {
  const x = `${seg.srcIp}:${seg.srcPort}`;
  const y = `${seg.dstIp}:${seg.dstPort}`;
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}

/** Reads a pcap and returns every TCP conversation's two byte streams. */
export function readTcpConversations(
  buf: Buffer,
  limits: PcapLimits = DEFAULT_PCAP_LIMITS,
  options: PcapReadOptions = {},
): PcapTcpResult {
  const { header, records, truncated } = readPcap(buf, limits, options);
  checkLinkType(header.linkType);
  const skipped: Record<PacketSkip, number> = { 'not-ipv4': 0, 'not-tcp': 0, fragment: 0, malformed: 0 };
  const open = new Map<string, Connection>();
  const all: Connection[] = [];
  let tcpSegments = 0;
  for (const record of records) {
    const parsed = parsePacket(header.linkType, record.data);
    if (!parsed.ok) {
      skipped[parsed.skip]++;
      continue;
    }
    tcpSegments++;
    const seg = parsed.segment;
    const key = connectionKey(seg);
    let conn = open.get(key);
    if (conn === undefined || conn.isReusedBy(seg)) {
      if (all.length >= limits.maxConnections) {
        throw new ProtocolError(
          PcapErrorCode.TOO_MANY_CONNECTIONS,
          `more than ${limits.maxConnections} TCP connections`,
          'close',
          record.offset,
        );
      }
      conn = new Connection(seg, record.index, record.time);
      open.set(key, conn);
      all.push(conn);
    }
    conn.add(seg);
  }
  const result = {
    header,
    conversations: all.map((c) => c.finish()),
    stats: { records: records.length, tcpSegments, skipped },
  };
  return truncated === undefined ? result : { ...result, truncated };
}

export function formatEndpoint(e: TcpEndpoint): string {
  return `${e.ip}:${e.port}`;
}
