/**
 * Every descriptor captured from gnutella-bun-client and gtk-gnutella decodes to the fields
 * decoded independently in the captures' index.json, and re-encodes byte for byte.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  encodedLength,
  ggepGet,
  queryFlags,
  type Message,
  type QueryHit,
} from '../../src/protocol/index.js';
import { loadCaptured, type CapturedDescriptor } from './captures.js';

const captured = loadCaptured();

type Rec = Record<string, unknown>;

const BUN_TYPES: Record<string, Message['type']> = {
  PING: 'ping',
  PONG: 'pong',
  BYE: 'bye',
  PUSH: 'push',
  QUERY: 'query',
  QUERY_HIT: 'queryhit',
  ROUTE_TABLE_UPDATE: 'qrp',
};

function expectedType(d: CapturedDescriptor): Message['type'] {
  if (d.source === 'bun') return BUN_TYPES[d.type] as Message['type'];
  if (d.type.startsWith('qrp-')) return 'qrp';
  if (d.type.startsWith('vendor-')) return 'vendor';
  if (d.type === 'hsep') return 'unknown';
  return d.type as Message['type'];
}

function hex(b: Buffer | undefined): string | undefined {
  return b?.toString('hex');
}

function checkGgepList(
  block: { extensions: readonly { id: string; data: Buffer }[] } | undefined,
  list: Rec[],
): void {
  expect(block?.extensions.map((e) => e.id)).toEqual(list.map((g) => g['id']));
  for (const g of list) {
    const data = ggepGet(block, g['id'] as string);
    const want = (g['cobs_decoded_hex'] ?? g['raw_hex']) as string | undefined;
    if (want !== undefined) expect(hex(data)).toBe(want);
  }
}

function checkBun(d: CapturedDescriptor, m: Message): void {
  const x = d.decoded;
  switch (m.type) {
    case 'ping':
      expect(m.ggep).toBeUndefined();
      break;
    case 'pong':
      expect({ port: m.port, ip: m.ip, files: m.files, kbytes: m.kbytes }).toEqual(x);
      break;
    case 'query': {
      const f = queryFlags(m.minSpeed);
      expect(m.search).toBe(x['search']);
      expect(m.minSpeed).toBe(x['min_speed_le']);
      expect('0x' + f.word.toString(16)).toBe(x['flags_be']);
      expect(f.firewalled).toBe(x['firewalled']);
      expect(f.wantsXml).toBe(x['wants_xml']);
      expect(f.leafGuided).toBe(x['leaf_guided']);
      expect(f.ggepH).toBe(x['ggep_h']);
      expect(f.outOfBand).toBe(x['oob']);
      expect(f.maxHits).toBe(x['max_hits']);
      break;
    }
    case 'queryhit': {
      expect(m.results.length).toBe(x['count']);
      expect([m.port, m.ip, m.speed]).toEqual([x['port'], x['ip'], x['speed_kbps']]);
      const results = x['results'] as Rec[];
      m.results.forEach((r, i) => {
        const w = results[i] as Rec;
        expect([r.index, r.size, r.name, r.urns]).toEqual([w['index'], w['size'], w['name'], w['urns']]);
        expect(r.ggep?.extensions.map((e) => e.id) ?? []).toEqual((w['ggep'] as Rec[]).map((g) => g['id']));
      });
      expect(m.vendor).toBe(x['vendor']);
      const flags = x['flags'] as Rec;
      expect(hex(m.openData)).toBe(flags['raw']);
      expect(m.flags).toEqual({
        push: flags['push'],
        busy: flags['busy'],
        uploaded: flags['have_uploaded'],
        speedMeasured: flags['speed_measured'],
        ggep: flags['ggep'],
      });
      expect(m.ggep?.extensions.map((e) => e.id)).toEqual((x['trailer_ggep'] as Rec[]).map((g) => g['id']));
      expect(hex(m.serventId)).toBe(x['servent_id']);
      break;
    }
    case 'push':
      expect([hex(m.serventId), m.index, m.ip, m.port]).toEqual([
        x['servent_id'],
        x['file_index'],
        x['ip'],
        x['port'],
      ]);
      break;
    case 'bye':
      expect([m.code, m.reason]).toEqual([x['code'], x['message']]);
      break;
    case 'qrp':
      expect(m.variant).toBe(x['variant']);
      if (m.variant === 'reset')
        expect([m.tableLength, m.infinity]).toEqual([x['table_length'], x['infinity']]);
      else
        expect([m.seqNo, m.seqSize, m.compressor, m.entryBits, m.data.length]).toEqual([
          x['seq_no'],
          x['seq_size'],
          x['compressor'],
          x['entry_bits'],
          x['data_len'],
        ]);
      break;
    default:
      throw new Error(`unexpected ${m.type} in ${d.file}`);
  }
}

function checkGtkHit(m: QueryHit, x: Rec): void {
  expect(m.results.length).toBe(x['hits']);
  expect([m.port, m.ip, m.speed]).toEqual([x['port'], x['ip'], x['speed']]);
  (x['results'] as Rec[]).forEach((w, i) => {
    const r = m.results[i];
    expect([r?.index, r?.size, r?.name]).toEqual([w['index'], w['size'], w['name']]);
    const urns: string[] = [];
    for (const ext of w['extensions'] as Rec[]) {
      if (ext['kind'] === 'HUGE') urns.push(ext['urn'] as string);
      else {
        const list = ext['extensions'] as Rec[];
        checkGgepList(r?.ggep, list);
        for (const g of list) if (typeof g['urn'] === 'string') urns.push(g['urn']);
      }
    }
    expect(r?.urns).toEqual(urns);
  });
  const qhd = x['qhd'] as Rec;
  expect(m.vendor).toBe(qhd['vendor']);
  expect(m.openData?.length).toBe(qhd['open_data_size']);
  expect(hex(m.openData)).toBe(qhd['open_data_hex']);
  expect(hex(m.privateArea)).toBe(qhd['private_area_hex']);
  checkGgepList(m.ggep, qhd['ggep'] as Rec[]);
  // open data 2c 21: push meaningful and false; GGEP present; busy/uploaded meaningful and false
  expect(m.flags).toEqual({ push: false, busy: false, uploaded: false, ggep: true });
  expect(hex(m.serventId)).toBe(x['servent_guid']);
}

function checkGtk(d: CapturedDescriptor, m: Message): void {
  const x = d.decoded;
  switch (m.type) {
    case 'ping':
      expect(m.extra).toBeUndefined();
      if (x['ggep'] !== undefined) checkGgepList(m.ggep, x['ggep'] as Rec[]);
      else expect(m.ggep).toBeUndefined();
      break;
    case 'pong':
      expect([m.port, m.ip, m.files, m.kbytes]).toEqual([x['port'], x['ip'], x['files'], x['kbytes']]);
      if (x['ggep'] !== undefined) checkGgepList(m.ggep, x['ggep'] as Rec[]);
      break;
    case 'query': {
      const f = queryFlags(m.minSpeed);
      expect(m.minSpeed).toBe(x['min_speed_le16']);
      expect(f.form).toBe('be');
      expect(f.word).toBe(x['flags_be16']);
      expect(f.maxHits).toBe(x['max_hits']);
      const names = {
        xml: f.wantsXml,
        leaf_guided: f.leafGuided,
        ggep_h: f.ggepH,
        sr_udp: f.semiReliableUdp,
      };
      for (const [k, v] of Object.entries(names))
        expect(v).toBe((x['flags_decoded'] as string[]).includes(k));
      expect(m.search).toBe(x['search']);
      const ext = (x['extensions'] as Rec[])[0] as Rec;
      checkGgepList(m.ggep, ext['extensions'] as Rec[]);
      break;
    }
    case 'queryhit':
      checkGtkHit(m, x);
      break;
    case 'push':
      expect([hex(m.serventId), m.index, m.ip, m.port]).toEqual([
        x['servent_guid'],
        x['file_index'],
        x['ip'],
        x['port'],
      ]);
      break;
    case 'bye':
      expect([m.code, m.reason]).toEqual([x['code'], x['message']]);
      break;
    case 'qrp':
      expect(m.variant).toBe((x['variant'] as string).toLowerCase());
      if (m.variant === 'reset')
        expect([m.tableLength, m.infinity]).toEqual([x['table_length'], x['infinity']]);
      else {
        expect([m.seqNo, m.seqSize, m.compressor, m.entryBits, m.data.length]).toEqual([
          x['seq_no'],
          x['seq_size'],
          x['compressor'],
          x['entry_bits'],
          x['data_len'],
        ]);
        expect(inflateSync(m.data).length).toBe(x['inflated_len']);
      }
      break;
    case 'vendor': {
      const vendor = (x['vendor'] as string).replaceAll('\\0', '\0');
      expect([m.vendor, m.selector, m.version, hex(m.body)]).toEqual([
        vendor,
        x['selector'],
        x['version'],
        x['body_hex'],
      ]);
      expect(m.payloadType).toBe(0x31);
      break;
    }
    case 'unknown':
      expect(m.payloadType).toBe(0xcd);
      expect(m.payload.length).toBe(d.payloadLength);
      break;
    default:
      throw new Error(`unexpected ${(m as Message).type} in ${d.file}`);
  }
}

describe('captured descriptors', () => {
  it('the fixture set is complete', () => {
    expect(captured.filter((d) => d.source === 'bun').length).toBe(76);
    expect(captured.filter((d) => d.source === 'gtk').length).toBe(170);
  });

  it.each(captured.map((d) => [`${d.source} ${d.file}`, d] as const))('%s', (_name, d) => {
    const m = decodeMessage(d.bytes);
    expect(m.type).toBe(expectedType(d));
    expect(m.guid.toString('hex')).toBe(d.guid);
    expect([m.ttl, m.hops]).toEqual([d.ttl, d.hops]);
    expect(d.bytes.length).toBe(23 + d.payloadLength);
    if (d.source === 'bun') checkBun(d, m);
    else checkGtk(d, m);
    const again = encodeMessage(m);
    expect(again.toString('hex')).toBe(d.bytes.toString('hex'));
    expect(encodedLength(m)).toBe(d.bytes.length);
  });
});
