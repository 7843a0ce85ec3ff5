export * from './constants.js';
export * from './errors.js';
export type * from './messages.js';
export { encodeChordMessage, chordMessageSize, pointerWireSize, itemWireSize } from './encode.js';
export type { ChordCodecOptions } from './encode.js';
export { decodeChordMessage } from './decode.js';
export { sha1UrnBytes, canonicalSha1Urn } from './base32.js';
