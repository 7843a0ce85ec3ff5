/**
 * From one captured frame to a TCP segment: link layer → IPv4 → TCP. All multi-byte
 * header fields are big-endian (network order) except the BSD loopback family word, which
 * is in the capturing host's order. Anything that is not a complete-enough IPv4/TCP
 * packet is reported as a skip reason, never thrown: a capture legitimately holds ARP,
 * IPv6, UDP, fragments and frames cut by the snaplen.
 */
import { ipv4ToString } from '../core/bytes.js';
import { ProtocolError } from '../core/errors.js';
import { PcapErrorCode } from './pcap-file.js';

/** LINKTYPE_* values understood here */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERNET_HEADER = 14;
const SLL_HEADER = 16;
/** protocol field offset in the Linux cooked v1 header */
const SLL_PROTOCOL = 14;
const SLL2_HEADER = 20;
const NULL_HEADER = 4;
/** BSD AF_INET as written by the capturing host */
const AF_INET = 2;

const IPV4_MIN_HEADER = 20;
const IP_PROTO_TCP = 6;
const IP_FLAG_MORE_FRAGMENTS = 0x2000;
const IP_FRAGMENT_OFFSET_MASK = 0x1fff;
const TCP_MIN_HEADER = 20;

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface TcpSegment {
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly seq: number;
  readonly flags: number;
  /** the captured payload (a view); may be shorter than `payloadLength` */
  readonly payload: Buffer;
  /** payload length per the IP header */
  readonly payloadLength: number;
}

export type PacketSkip = 'not-ipv4' | 'not-tcp' | 'fragment' | 'malformed';

export type ParsedPacket =
  { readonly ok: true; readonly segment: TcpSegment } | { readonly ok: false; readonly skip: PacketSkip };

export function checkLinkType(linkType: number): void {
  if (!(Object.values(LinkType) as number[]).includes(linkType)) {
    throw new ProtocolError(
      PcapErrorCode.UNSUPPORTED_LINK,
      `unsupported link type ${linkType} (supported: Ethernet, Linux SLL/SLL2, raw IPv4, BSD loopback)`,
      'close',
      20,
    );
  }
}

/** Parses one captured frame of the given link type. */
export function parsePacket(linkType: number, frame: Buffer): ParsedPacket {
  const ip = ipv4Payload(linkType, frame);
  if (ip === undefined) return { ok: false, skip: 'not-ipv4' };
  return parseIpv4Tcp(ip);
}

/** The IPv4 datagram inside the frame, or undefined when the frame carries something else. */
function ipv4Payload(linkType: number, frame: Buffer): Buffer | undefined {
  switch (linkType) {
    case LinkType.ETHERNET: {
      if (frame.length < ETHERNET_HEADER) return undefined;
      let at = 12;
      let type = frame.readUInt16BE(at);
      // at most two VLAN tags (802.1Q inside 802.1ad)
      for (let tags = 0; tags < 2 && (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ); tags++) {
        at += 4;
        if (frame.length < at + 2) return undefined;
        type = frame.readUInt16BE(at);
      }
      return type === ETHERTYPE_IPV4 ? frame.subarray(at + 2) : undefined;
    }
    case LinkType.LINUX_SLL:
      if (frame.length < SLL_HEADER || frame.readUInt16BE(SLL_PROTOCOL) !== ETHERTYPE_IPV4) return undefined;
      return frame.subarray(SLL_HEADER);
    case LinkType.LINUX_SLL2:
      if (frame.length < SLL2_HEADER || frame.readUInt16BE(0) !== ETHERTYPE_IPV4) return undefined;
      return frame.subarray(SLL2_HEADER);
    case LinkType.NULL: {
      if (frame.length < NULL_HEADER) return undefined;
      const family = frame.readUInt32LE(0) === AF_INET || frame.readUInt32BE(0) === AF_INET;
      return family ? frame.subarray(NULL_HEADER) : undefined;
    }
    case LinkType.RAW:
    case LinkType.IPV4:
      return frame;
    default:
      return undefined;
  }
}

function parseIpv4Tcp(ip: Buffer): ParsedPacket {
  if (ip.length < 1 || ip[0] === undefined || ip[0] >> 4 !== 4) return { ok: false, skip: 'not-ipv4' };
  if (ip.length < IPV4_MIN_HEADER) return { ok: false, skip: 'malformed' };
  const ihl = (ip[0] & 0x0f) * 4;
  if (ihl < IPV4_MIN_HEADER || ihl > ip.length) return { ok: false, skip: 'malformed' };
  let total = ip.readUInt16BE(2);
  // 0 = TCP segmentation offload on the capturing host: the captured length is all we know
  if (total === 0) total = ip.length;
  if (total < ihl) return { ok: false, skip: 'malformed' };
  const frag = ip.readUInt16BE(6);
  if ((frag & IP_FLAG_MORE_FRAGMENTS) !== 0 || (frag & IP_FRAGMENT_OFFSET_MASK) !== 0) {
    return { ok: false, skip: 'fragment' };
  }
  if (ip[9] !== IP_PROTO_TCP) return { ok: false, skip: 'not-tcp' };
  const srcIp = ipv4ToString(ip.readUInt32BE(12));
  const dstIp = ipv4ToString(ip.readUInt32BE(16));
  // link layers may pad short frames: trust the IP total length, not the frame length
  const tcp = ip.subarray(ihl, Math.min(total, ip.length));
  const tcpLength = total - ihl;
  if (tcp.length < TCP_MIN_HEADER) return { ok: false, skip: 'malformed' };
  const dataOffset = ((tcp[12] as number) >> 4) * 4;
  if (dataOffset < TCP_MIN_HEADER || dataOffset > tcp.length || dataOffset > tcpLength) {
    return { ok: false, skip: 'malformed' };
  }
  return {
    ok: true,
    segment: {
      srcIp,
      srcPort: tcp.readUInt16BE(0),
      dstIp,
      dstPort: tcp.readUInt16BE(2),
      seq: tcp.readUInt32BE(4),
      flags: tcp[13] as number,
      payload: tcp.subarray(dataOffset),
      payloadLength: tcpLength - dataOffset,
    },
  };
}
