/** Helpers of `servent decode`: descriptor records, stream decoding, pcap link discovery. */
export { describeMessage, type DescriptorRecord } from './describe.js';
export {
  DecodeFaultCode,
  decodeDescriptorStream,
  parseHexText,
  type DecodeFault,
} from './descriptor-stream.js';
export { MAX_INFLATED_BYTES, inflateLinkStream, type InflateResult } from './inflate.js';
export { planConversation, type ConversationPlan, type GnutellaDirection } from './pcap-streams.js';
export {
  EXIT_MALFORMED,
  EXIT_OK,
  EXIT_UNREADABLE,
  runDecode,
  type DecodeIo,
  type DecodeRequest,
  type TextSink,
} from './run.js';
