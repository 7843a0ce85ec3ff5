/**
 * Link compression (wire §2.4): one zlib stream (RFC 1950) per direction for the life of
 * the connection, sync-flushed after batches, and usually never finished in a capture. A
 * streaming inflater with a sync finish-flush returns everything that was flushed, and
 * keeps what it produced before a corrupt byte, so the command can print the descriptors
 * that precede a fault.
 */
import { constants, createInflate } from 'node:zlib';
import { DecodeFaultCode, type DecodeFault } from './descriptor-stream.js';

/** Most bytes one direction may inflate to (a zip bomb stops here with a fault). */
export const MAX_INFLATED_BYTES = 256 * 1024 * 1024;
/**
 * Compressed bytes handed to zlib at a time. Output of the feed in which zlib fails is
 * lost, so this is also the precision of a fault's offset.
 */
const FEED_BYTES = 1024;

export interface InflateResult {
  readonly out: Buffer;
  /** offset in the compressed input at or after which zlib failed */
  readonly fault?: DecodeFault;
}

export function inflateLinkStream(data: Buffer, maxOut: number = MAX_INFLATED_BYTES): Promise<InflateResult> {
  return new Promise((resolve) => {
    const inflate = createInflate({ finishFlush: constants.Z_SYNC_FLUSH });
    const chunks: Buffer[] = [];
    let total = 0;
    let fed = 0;
    let settled = false;
    const finish = (fault?: DecodeFault): void => {
      if (settled) return;
      settled = true;
      const out = Buffer.concat(chunks);
      resolve(fault === undefined ? { out } : { out, fault });
    };
    inflate.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (total + chunk.length > maxOut) {
        chunks.push(chunk.subarray(0, maxOut - total));
        inflate.destroy();
        finish({
          offset: fed,
          code: DecodeFaultCode.INFLATE_LIMIT,
          message: `the compressed stream inflates to more than ${maxOut} bytes`,
        });
        return;
      }
      chunks.push(chunk);
      total += chunk.length;
    });
    inflate.on('error', (e: Error) =>
      finish({ offset: fed, code: DecodeFaultCode.INFLATE, message: `zlib: ${e.message}` }),
    );
    inflate.on('end', () => finish());
    const feed = (at: number): void => {
      if (settled) return;
      if (at >= data.length) {
        inflate.end();
        return;
      }
      fed = at;
      inflate.write(data.subarray(at, at + FEED_BYTES), () => feed(at + FEED_BYTES));
    };
    feed(0);
  });
}
