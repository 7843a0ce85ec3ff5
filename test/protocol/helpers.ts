/** Small helpers shared by the codec tests. */
import { expect } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import { decodeMessage, encodeMessage, encodedLength, type Message } from '../../src/protocol/index.js';
import { Bytes, SID } from './byte-builder.js';

/** Decodes, checks the exact re-encoding and encodedLength, returns the message. */
export function rt(bytes: Buffer): Message {
  const m = decodeMessage(bytes);
  expect(encodeMessage(m).toString('hex')).toBe(bytes.toString('hex'));
  expect(encodedLength(m)).toBe(bytes.length);
  return m;
}

export function as<T extends Message['type']>(m: Message, type: T): Extract<Message, { type: T }> {
  expect(m.type).toBe(type);
  return m as Extract<Message, { type: T }>;
}

export function errorOf(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

/** A QueryHit payload: fixed part, given results bytes, trailer bytes, servent ID. */
export function hitPayload(count: number, results: Bytes, trailer = new Bytes()): Bytes {
  return new Bytes()
    .u8(count)
    .u16le(6346)
    .ip('10.0.0.1')
    .u32le(100)
    .raw(results.build())
    .raw(trailer.build())
    .raw(SID);
}
