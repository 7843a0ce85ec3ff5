/**
 * Error codes of the Kelips codec. A datagram has no stream to resynchronise, so every
 * error is `drop`: the datagram is discarded and counted, the socket stays open.
 */
import { ProtocolError } from '../../core/errors.js';

export const KelipsCodecError = {
  TOO_LARGE: 'E_KELIPS_TOO_LARGE',
  TRUNCATED: 'E_KELIPS_TRUNCATED',
  TRAILING: 'E_KELIPS_TRAILING_BYTES',
  BAD_MAGIC: 'E_KELIPS_BAD_MAGIC',
  BAD_VERSION: 'E_KELIPS_BAD_VERSION',
  BAD_TYPE: 'E_KELIPS_BAD_TYPE',
  BAD_GROUPS: 'E_KELIPS_BAD_GROUPS',
  BAD_ADDRESS: 'E_KELIPS_BAD_ADDRESS',
  BAD_FLAG: 'E_KELIPS_BAD_FLAG',
  TOO_MANY_MEMBERS: 'E_KELIPS_TOO_MANY_MEMBERS',
  TOO_MANY_TUPLES: 'E_KELIPS_TOO_MANY_TUPLES',
  TOO_MANY_WORDS: 'E_KELIPS_TOO_MANY_WORDS',
  WORD_LENGTH: 'E_KELIPS_WORD_LENGTH',
  BAD_WORD: 'E_KELIPS_BAD_WORD',
  NAME_LENGTH: 'E_KELIPS_NAME_LENGTH',
  BAD_TEXT: 'E_KELIPS_BAD_TEXT',
  BAD_TTL: 'E_KELIPS_BAD_TTL',
  BAD_HOPS: 'E_KELIPS_BAD_HOPS',
  BAD_RESULTS: 'E_KELIPS_BAD_RESULTS',
  /** encoder: a message that cannot be represented (caller bug, never peer input) */
  ENCODE: 'E_KELIPS_ENCODE',
} as const;

export type KelipsCodecErrorCode = (typeof KelipsCodecError)[keyof typeof KelipsCodecError];

export function kelipsError(code: KelipsCodecErrorCode, message: string, offset?: number): ProtocolError {
  return new ProtocolError(code, message, 'drop', offset);
}
