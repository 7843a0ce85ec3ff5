export * from './constants.js';
export * from './errors.js';
export type * from './messages.js';
export { encodeKelipsMessage, kelipsMessageSize, tupleWireSize } from './encode.js';
export type { KelipsCodecOptions } from './encode.js';
export { decodeKelipsMessage } from './decode.js';
export type { KelipsDecodeOptions } from './decode.js';
export { parseAddr, formatAddr, isUsableAddr } from './address.js';
export { isCanonicalWord } from './reader.js';
