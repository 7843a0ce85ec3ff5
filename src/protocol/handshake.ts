/** Gnutella 0.4/0.6 connection handshakes: codec, writers and sans-IO state machines. */
export { HandshakeHeaders, type HeaderInit } from './handshake-headers.js';
export {
  DEFAULT_HANDSHAKE_LIMITS,
  HandshakeErrorCode,
  parseHandshakeBlock,
  type HandshakeBlock,
  type HandshakeBlockKind,
  type HandshakeLimits,
  type HandshakeParseResult,
} from './handshake-parse.js';
export { CONNECT_04, OK_04, writeConnect06, writeResponse06 } from './handshake-write.js';
export { DEFAULT_MAX_XTRY_ENTRIES, parseXTry, type XTryHost } from './handshake-xtry.js';
export {
  type HandshakeDone,
  type HandshakeFailure,
  type HandshakeFailureSide,
  type HandshakeMachineOptions,
  type HandshakeReply,
  type HandshakeStep,
} from './handshake-machine.js';
export { ClientHandshake, type ClientHandshakeOptions } from './handshake-client.js';
export { ServerHandshake, type ServerHandshakeOptions } from './handshake-server.js';
export { defaultHandshakeHeaders, type DefaultHandshakeHeadersOptions } from './handshake-defaults.js';
