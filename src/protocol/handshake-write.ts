/**
 * Handshake writers. 0.6 blocks always use CR LF and end with an empty CR LF line
 * (wire §2.2); the 0.4 forms are fixed strings terminated by LF LF (wire §2.1).
 */
import { ServentError } from '../core/errors.js';
import { HandshakeHeaders, type HeaderInit } from './handshake-headers.js';

/** `GNUTELLA CONNECT/0.4\n\n` — 22 bytes (V16). Copy before mutating. */
export const CONNECT_04: Buffer = Buffer.from('GNUTELLA CONNECT/0.4\n\n', 'latin1');
/** `GNUTELLA OK\n\n` — 13 bytes (V16). Copy before mutating. */
export const OK_04: Buffer = Buffer.from('GNUTELLA OK\n\n', 'latin1');

const CONNECT_06_LINE = 'GNUTELLA CONNECT/0.6';

/** Step 1 of the 0.6 handshake: `GNUTELLA CONNECT/0.6` + headers + blank line. */
export function writeConnect06(headers: HeaderInit): Buffer {
  return writeBlock(CONNECT_06_LINE, headers);
}

/** Step 2 or 3 of the 0.6 handshake: `GNUTELLA/0.6 <code> <reason>` + headers + blank line. */
export function writeResponse06(code: number, reason: string, headers: HeaderInit): Buffer {
  if (!Number.isInteger(code) || code < 100 || code > 999) {
    throw new ServentError('HANDSHAKE_INVALID_STATUS', `handshake status code ${code} is not 3 digits`);
  }
  if (/[\r\n\0]/.test(reason)) {
    throw new ServentError('HANDSHAKE_INVALID_STATUS', 'handshake reason has a CR, LF or NUL');
  }
  return writeBlock(reason.length > 0 ? `GNUTELLA/0.6 ${code} ${reason}` : `GNUTELLA/0.6 ${code}`, headers);
}

function writeBlock(startLine: string, init: HeaderInit): Buffer {
  // Going through HandshakeHeaders validates names and values of plain pairs.
  const headers = init instanceof HandshakeHeaders ? init : HandshakeHeaders.from(init);
  let text = `${startLine}\r\n`;
  for (const [name, value] of headers.lines()) text += `${name}: ${value}\r\n`;
  text += '\r\n';
  return Buffer.from(text, 'utf8');
}
