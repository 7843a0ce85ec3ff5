/**
 * Consistent Overhead Byte Stuffing as GGEP uses it: removes every 0x00 from extension data
 * that must sit in a NUL-terminated place (QueryHit result extension data). Each group is
 * (length + 1) followed by its non-zero bytes and stands for "these bytes, then a zero"; a
 * 0xFF group holds 254 bytes and implies no zero; the zero implied by the last group is
 * dropped. `11 00 22` ↔ `02 11 02 22`, `00` ↔ `01 01`.
 */
import { CodecError, dropError } from './error-codes.js';

const MAX_GROUP = 0xff;

/** Exact length of cobsEncode(data). */
export function cobsEncodedLength(data: Uint8Array): number {
  let n = 1;
  let run = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) {
      n++;
      run = 0;
    } else {
      n++;
      run++;
      if (run === MAX_GROUP - 1) {
        n++;
        run = 0;
      }
    }
  }
  return n;
}

export function cobsEncode(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(cobsEncodedLength(data));
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i] as number;
    if (b === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = b;
      code++;
      if (code === MAX_GROUP) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  return out;
}

/**
 * Undoes COBS on `data[start..end)`. Throws E_GGEP_BAD_COBS when a group runs past the end
 * or a 0x00 appears (COBS output never contains one). The output is never longer than the
 * input, so a hostile length cannot inflate memory.
 */
export function cobsDecode(data: Buffer, start = 0, end = data.length): Buffer {
  const out = Buffer.allocUnsafe(Math.max(0, end - start));
  let o = 0;
  let i = start;
  while (i < end) {
    const code = data[i] as number;
    if (code === 0) throw dropError(CodecError.GGEP_BAD_COBS, 'COBS data contains 0x00', i);
    i++;
    const stop = i + code - 1;
    if (stop > end) throw dropError(CodecError.GGEP_BAD_COBS, 'COBS group runs past the data', i - 1);
    for (; i < stop; i++) {
      const b = data[i] as number;
      if (b === 0) throw dropError(CodecError.GGEP_BAD_COBS, 'COBS data contains 0x00', i);
      out[o++] = b;
    }
    if (code < MAX_GROUP && i < end) out[o++] = 0;
  }
  return out.subarray(0, o);
}
