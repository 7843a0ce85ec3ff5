/**
 * One decoded descriptor → one flat JSON object for `servent decode`. Field names are part
 * of the command's output contract (docs and tests rely on them): always `type`, `guid`,
 * `ttl`, `hops`, `length`; then the type's own fields; `ggep` lists extension IDs.
 */
import { toHex } from '../../core/bytes.js';
import { assertNever } from '../../core/errors.js';
import type { GgepBlock, Message } from '../../protocol/messages.js';

export type DescriptorRecord = Record<string, unknown>;

function ggepIds(block: GgepBlock | undefined): string[] | undefined {
  return block === undefined ? undefined : block.extensions.map((e) => e.id);
}

/** Adds `ggep` only when the message carried a GGEP block. */
function withGgep(record: DescriptorRecord, block: GgepBlock | undefined): DescriptorRecord {
  const ids = ggepIds(block);
  if (ids !== undefined) record['ggep'] = ids;
  return record;
}

/** `length` is the payload length from the descriptor header. */
export function describeMessage(m: Message, length: number): DescriptorRecord {
  const base: DescriptorRecord = { type: m.type, guid: toHex(m.guid), ttl: m.ttl, hops: m.hops, length };
  switch (m.type) {
    case 'ping':
      return withGgep(base, m.ggep);
    case 'pong':
      return withGgep({ ...base, port: m.port, ip: m.ip, files: m.files, kbytes: m.kbytes }, m.ggep);
    case 'bye':
      return { ...base, code: m.code, reason: m.reason };
    case 'push':
      return withGgep(
        { ...base, serventId: toHex(m.serventId), index: m.index, ip: m.ip, port: m.port },
        m.ggep,
      );
    case 'query':
      return withGgep({ ...base, minSpeed: m.minSpeed, search: m.search, urns: [...m.urns] }, m.ggep);
    case 'queryhit':
      return withGgep(
        {
          ...base,
          port: m.port,
          ip: m.ip,
          speed: m.speed,
          results: m.results.map((r) =>
            withGgep({ index: r.index, size: r.size, name: r.name, urns: [...r.urns] }, r.ggep),
          ),
          vendor: m.vendor,
          serventId: toHex(m.serventId),
        },
        m.ggep,
      );
    case 'qrp':
      return m.variant === 'reset'
        ? { ...base, variant: 'reset', tableLength: m.tableLength, infinity: m.infinity }
        : {
            ...base,
            variant: 'patch',
            seqNo: m.seqNo,
            seqSize: m.seqSize,
            compressor: m.compressor,
            entryBits: m.entryBits,
          };
    case 'vendor':
      return {
        ...base,
        payloadType: m.payloadType,
        vendor: m.vendor,
        selector: m.selector,
        version: m.version,
      };
    case 'unknown':
      return { ...base, payloadType: m.payloadType };
    default:
      return assertNever(m, 'message');
  }
}
