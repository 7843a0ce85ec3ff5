/**
 * Vendor messages (0x31 experimental, 0x32 standard; same layout): vendor(4, case-sensitive
 * ASCII, all-zero = "null") · selector(LE u16) · version(LE u16) · body. Notation
 * `LIME/21v1`. The body is kept raw; interpreting it is up to whoever handles that id.
 */
import type { Vendor } from './messages.js';
import { VENDOR_FIXED_SIZE } from './constants.js';
import type { DecodeContext } from './context.js';
import { checkVendorCode } from './queryhit.js';
import type { WireWriter } from './writer.js';

export function decodeVendor(r: DecodeContext, payloadType: number): Vendor {
  return {
    type: 'vendor',
    guid: r.guid,
    ttl: r.ttl,
    hops: r.hops,
    payloadType,
    vendor: r.code4('vendor code'),
    selector: r.u16le('vendor selector'),
    version: r.u16le('vendor version'),
    body: r.rest(),
  };
}

export function vendorPayloadLength(m: Vendor): number {
  return VENDOR_FIXED_SIZE + m.body.length;
}

export function writeVendor(w: WireWriter, m: Vendor): void {
  checkVendorCode(m.vendor);
  w.latin1(m.vendor);
  w.u16le(m.selector);
  w.u16le(m.version);
  w.bytes(m.body);
}
