/**
 * Error codes of the Chord codec. A datagram has no stream to resynchronise, so every
 * error is `drop`: the datagram is discarded and counted, the socket stays open.
 */
import { ProtocolError } from '../../core/errors.js';

export const ChordCodecError = {
  TOO_LARGE: 'E_CHORD_TOO_LARGE',
  TRUNCATED: 'E_CHORD_TRUNCATED',
  TRAILING: 'E_CHORD_TRAILING_BYTES',
  BAD_MAGIC: 'E_CHORD_BAD_MAGIC',
  BAD_VERSION: 'E_CHORD_BAD_VERSION',
  BAD_TYPE: 'E_CHORD_BAD_TYPE',
  ID_BITS: 'E_CHORD_ID_BITS',
  ID_RANGE: 'E_CHORD_ID_RANGE',
  BAD_FLAG: 'E_CHORD_BAD_FLAG',
  BAD_ADDRESS: 'E_CHORD_BAD_ADDRESS',
  TOO_MANY_REFS: 'E_CHORD_TOO_MANY_REFS',
  TOO_MANY_EXCLUDED: 'E_CHORD_TOO_MANY_EXCLUDED',
  TOO_MANY_POINTERS: 'E_CHORD_TOO_MANY_POINTERS',
  TOO_MANY_WORDS: 'E_CHORD_TOO_MANY_WORDS',
  WORD_LENGTH: 'E_CHORD_WORD_LENGTH',
  NAME_LENGTH: 'E_CHORD_NAME_LENGTH',
  BAD_TEXT: 'E_CHORD_BAD_TEXT',
  BAD_SIZE: 'E_CHORD_BAD_SIZE',
  BAD_TTL: 'E_CHORD_BAD_TTL',
  /** encoder: a message that cannot be represented (caller bug, never peer input) */
  ENCODE: 'E_CHORD_ENCODE',
} as const;

export type ChordCodecErrorCode = (typeof ChordCodecError)[keyof typeof ChordCodecError];

export function chordError(code: ChordCodecErrorCode, message: string, offset?: number): ProtocolError {
  return new ProtocolError(code, message, 'drop', offset);
}
