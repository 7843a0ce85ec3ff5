/**
 * A byte stream of descriptors (header + payload, back to back) → records, stopping at the
 * first fault: a payload the codec rejects, lost framing, or a last descriptor cut short.
 */
import { ProtocolError } from '../../core/errors.js';
import { FrameDecoder, HEADER_SIZE, OFFSET_PAYLOAD_LENGTH, type FrameResult } from '../../protocol/index.js';
import { describeMessage, type DescriptorRecord } from './describe.js';

/** Where and why decoding stopped. `offset` is a byte offset in the decoded input. */
export interface DecodeFault {
  readonly offset: number;
  readonly code: string;
  readonly message: string;
}

/** Stable codes of faults the command itself detects (codec faults keep the codec's code). */
export const DecodeFaultCode = {
  TRUNCATED: 'DECODE_TRUNCATED',
  BAD_HEX: 'DECODE_BAD_HEX',
  INFLATE: 'DECODE_INFLATE_ERROR',
  INFLATE_LIMIT: 'DECODE_INFLATE_LIMIT',
} as const;

/**
 * Decodes `bytes`, calling `emit` for each descriptor in order. Returns the fault that
 * stopped decoding, or undefined when every byte was a complete, valid descriptor.
 */
export function decodeDescriptorStream(
  bytes: Buffer,
  emit: (record: DescriptorRecord) => void,
): DecodeFault | undefined {
  const decoder = new FrameDecoder();
  let results: readonly FrameResult[];
  let framing: ProtocolError | undefined;
  try {
    results = decoder.push(bytes);
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    framing = e;
    // the codec's FramingError carries what the same push decoded before framing was lost
    const before: unknown = (e as { before?: unknown }).before;
    results = Array.isArray(before) ? (before as FrameResult[]) : [];
  }
  let consumed = 0;
  for (const r of results) {
    if (!r.ok) return { offset: r.error.offset ?? consumed, code: r.error.code, message: r.error.message };
    emit(describeMessage(r.message, r.size - HEADER_SIZE));
    consumed += r.size;
  }
  if (framing !== undefined) {
    return { offset: framing.offset ?? consumed, code: framing.code, message: framing.message };
  }
  const left = bytes.length - consumed;
  if (left === 0) return undefined;
  const announced =
    left >= HEADER_SIZE ? ` of ${HEADER_SIZE + bytes.readUInt32LE(consumed + OFFSET_PAYLOAD_LENGTH)}` : '';
  return {
    offset: consumed,
    code: DecodeFaultCode.TRUNCATED,
    message: `the input ends inside a descriptor (${left}${announced} bytes)`,
  };
}

/** Hex text → bytes; whitespace is ignored, anything else that is not a hex digit is a fault. */
export function parseHexText(text: string): { bytes: Buffer } | { fault: DecodeFault } {
  const out = Buffer.allocUnsafe(text.length >> 1);
  let n = 0;
  let high = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = hexValue(c);
    if (v < 0) {
      if (isSpace(c)) continue;
      return {
        fault: {
          offset: i,
          code: DecodeFaultCode.BAD_HEX,
          message: `not a hex digit: ${JSON.stringify(text[i])} (offset is in the text)`,
        },
      };
    }
    if (high < 0) high = v;
    else {
      out[n++] = (high << 4) | v;
      high = -1;
    }
  }
  if (high >= 0) {
    return {
      fault: {
        offset: text.length,
        code: DecodeFaultCode.BAD_HEX,
        message: 'odd number of hex digits (offset is in the text)',
      },
    };
  }
  return { bytes: out.subarray(0, n) };
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** space, tab, CR, LF, VT, FF */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
