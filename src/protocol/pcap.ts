/** Classic pcap files → TCP conversations (for `servent decode --pcap` and tests). */
export {
  DEFAULT_PCAP_LIMITS,
  PCAP_GLOBAL_HEADER_SIZE,
  PCAP_RECORD_HEADER_SIZE,
  PcapErrorCode,
  readPcap,
  readPcapHeader,
  type PcapCapture,
  type PcapHeader,
  type PcapLimits,
  type PcapReadOptions,
  type PcapRecord,
} from './pcap-file.js';
export {
  LinkType,
  TcpFlag,
  parsePacket,
  type PacketSkip,
  type ParsedPacket,
  type TcpSegment,
} from './pcap-packet.js';
export {
  formatEndpoint,
  readTcpConversations,
  type PcapTcpResult,
  type TcpConversation,
  type TcpEndpoint,
} from './pcap-tcp.js';
