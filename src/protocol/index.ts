/**
 * The Gnutella wire codec: pure (no socket, timer, file or logger), bytes in, typed
 * messages out, and back. See docs/LIMITS.md ("Wire codec") for every cap.
 */
export * from './messages.js';
export * from './constants.js';
export { CodecError, type CodecErrorCode } from './error-codes.js';
export {
  DEFAULT_CODEC_LIMITS,
  resolveLimits,
  maxPayloadFor,
  minPayloadFor,
  type CodecLimits,
} from './limits.js';
export { decodeMessage } from './decode.js';
export { encodeMessage, encodedLength, payloadLength, payloadTypeOf } from './encode.js';
export { FrameDecoder, FramingError, type FrameResult } from './frame-decoder.js';
export { readHeader, type Header } from './header.js';
export { queryFlags, queryFlagsToMinSpeed, type QueryFlags, type QueryFlagsInput } from './query-flags.js';
export { decodeEqhdFlags, encodeEqhdFlags } from './eqhd.js';
export { buildGgep, ggepGet, type GgepExtensionInput } from './ggep.js';
export { cobsDecode, cobsEncode } from './cobs.js';
export { base32Decode, base32Encode } from './base32.js';
export {
  SHA1_URN_PREFIX,
  sha1Urn,
  parseSha1Urn,
  canonicalSha1Urn,
  sha1UrnFromGgepH,
  ggepHFromSha1Urn,
} from './urn.js';
export { newGuid, isModernGuid, guidToHex, guidFromHex, guidEquals } from './guid.js';
export { qrpHash } from './qrp.js';
export { QrpTable, QRP_MIN_WORD } from './qrp-table.js';
export {
  buildQrpTable,
  qrpKeywords,
  qrpUpdateMessages,
  type QrpBuildOptions,
  type QrpUpdateOptions,
} from './qrp-build.js';
