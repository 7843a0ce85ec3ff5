/**
 * Every error the wire codec raises, in one place. Codes are stable: connections, tests and
 * docs/LIMITS.md refer to them. `drop` = discard this descriptor, the stream is still in
 * sync; `close` = framing is lost or a memory cap was hit, the connection must go.
 */
import { ProtocolError } from '../core/errors.js';
import type { ErrorAction } from '../core/errors.js';

export const CodecError = {
  /** the header announces more payload than the per-type cap (checked before buffering) */
  PAYLOAD_TOO_LARGE: 'E_PAYLOAD_TOO_LARGE',
  /** a frame handed to decodeMessage is not exactly header + announced payload */
  FRAME_LENGTH: 'E_FRAME_LENGTH',
  /** the payload is shorter than its type's fixed part */
  PAYLOAD_TOO_SHORT: 'E_PAYLOAD_TOO_SHORT',
  /** a field runs past the end of the payload */
  TRUNCATED: 'E_TRUNCATED',
  /** a FrameDecoder that already failed was fed again */
  DECODER_FAILED: 'E_DECODER_FAILED',

  QUERY_NO_NUL: 'E_QUERY_NO_NUL',
  SEARCH_TOO_LONG: 'E_SEARCH_TOO_LONG',
  TOO_MANY_URNS: 'E_TOO_MANY_URNS',
  TOO_MANY_RESULTS: 'E_TOO_MANY_RESULTS',
  NAME_TOO_LONG: 'E_NAME_TOO_LONG',
  /** a QueryHit result or trailer does not fit before the servent ID */
  QUERYHIT_BAD_RESULT: 'E_QUERYHIT_BAD_RESULT',
  QUERYHIT_BAD_TRAILER: 'E_QUERYHIT_BAD_TRAILER',
  QRP_BAD_VARIANT: 'E_QRP_BAD_VARIANT',
  QRP_BAD_LENGTH: 'E_QRP_BAD_LENGTH',

  GGEP_BAD_MAGIC: 'E_GGEP_BAD_MAGIC',
  GGEP_BAD_FLAGS: 'E_GGEP_BAD_FLAGS',
  GGEP_BAD_ID: 'E_GGEP_BAD_ID',
  GGEP_BAD_LENGTH: 'E_GGEP_BAD_LENGTH',
  GGEP_TRUNCATED: 'E_GGEP_TRUNCATED',
  GGEP_TOO_MANY: 'E_GGEP_TOO_MANY_EXTENSIONS',
  GGEP_BAD_COBS: 'E_GGEP_BAD_COBS',
  GGEP_BAD_ZLIB: 'E_GGEP_BAD_ZLIB',
  /** inflating GGEP data would exceed the per-descriptor budget (zip bomb) */
  GGEP_INFLATE_LIMIT: 'E_GGEP_INFLATE_LIMIT',

  /** QRP table state machine (QrpTable); a peer that triggers these gets Bye 413 */
  QRP_PATCH_BEFORE_RESET: 'E_QRP_PATCH_BEFORE_RESET',
  QRP_BAD_SEQUENCE: 'E_QRP_BAD_SEQUENCE',
  QRP_BAD_TABLE_LENGTH: 'E_QRP_BAD_TABLE_LENGTH',
  QRP_TABLE_TOO_LARGE: 'E_QRP_TABLE_TOO_LARGE',
  QRP_BAD_INFINITY: 'E_QRP_BAD_INFINITY',
  QRP_BAD_ENTRY_BITS: 'E_QRP_BAD_ENTRY_BITS',
  QRP_BAD_COMPRESSOR: 'E_QRP_BAD_COMPRESSOR',
  QRP_PATCH_TOO_LARGE: 'E_QRP_PATCH_TOO_LARGE',
  QRP_BAD_PATCH: 'E_QRP_BAD_PATCH',

  /** encodeMessage was given a message the wire cannot carry (our bug, not the peer's) */
  ENCODE_INVALID: 'E_ENCODE_INVALID',
  /** defence in depth: an unexpected exception inside the decoder, reported as a drop */
  INTERNAL: 'E_CODEC_INTERNAL',
} as const;

export type CodecErrorCode = (typeof CodecError)[keyof typeof CodecError];

export function dropError(code: CodecErrorCode, message: string, offset?: number): ProtocolError {
  return new ProtocolError(code, message, 'drop', offset);
}

export function closeError(code: CodecErrorCode, message: string, offset?: number): ProtocolError {
  return new ProtocolError(code, message, 'close', offset);
}

export function codecError(
  code: CodecErrorCode,
  message: string,
  action: ErrorAction,
  offset?: number,
): ProtocolError {
  return new ProtocolError(code, message, action, offset);
}

export function encodeError(message: string): ProtocolError {
  return new ProtocolError(CodecError.ENCODE_INVALID, message, 'drop');
}
