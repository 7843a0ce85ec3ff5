import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  planConversation,
  runDecode,
  type DecodeIo,
  type DecodeRequest,
} from '../../src/cli/decode/index.js';
import type { TcpConversation } from '../../src/protocol/pcap.js';

const CAPTURES = join(import.meta.dirname, '../../fixtures/captures');
const BUN = join(CAPTURES, 'gnutella-bun-client');
const GTK = join(CAPTURES, 'gtk-gnutella');

type Rec = Record<string, unknown>;

interface Run {
  code: number;
  records: Rec[];
  stderr: string;
}

/** Runs the command in-process with files from disk (or `stdin` as standard input). */
async function decode(req: Partial<DecodeRequest> & { files?: string[] }, stdin?: Buffer): Promise<Run> {
  let out = '';
  let err = '';
  const io: DecodeIo = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    readFile: (p: string) => readFile(p),
    readStdin: async () => stdin ?? Buffer.alloc(0),
  };
  const code = await runDecode(
    { files: req.files ?? [], hex: req.hex ?? false, pcap: req.pcap ?? false },
    io,
  );
  const records = out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Rec);
  return { code, records, stderr: err };
}

// ---- the captures' index files --------------------------------------------------------------

interface BunEntry {
  file: string;
  capture: string;
  stream: string;
  type: string;
  guid: string;
  ttl: number;
  hops: number;
  payload_length: number;
  decoded: Record<string, unknown>;
}

interface GtkItem {
  kind: string;
  transport?: string;
  file: string;
  src?: string;
  dst?: string;
  type_code?: string;
  guid?: string;
  ttl?: number;
  hops?: number;
  payload_length?: number;
  stream_offset?: number;
  decoded?: Record<string, unknown>;
  extensions?: string[];
}

const bunIndex = JSON.parse(readFileSync(join(BUN, 'index.json'), 'utf8')) as BunEntry[];
const gtkItems = (
  JSON.parse(readFileSync(join(GTK, 's1-ultra-plain/index.json'), 'utf8')) as { items: GtkItem[] }
).items;
const gtkDescriptors = gtkItems.filter((i) => i.kind === 'descriptor');

const BUN_TYPES: Record<string, string> = {
  PING: 'ping',
  PONG: 'pong',
  BYE: 'bye',
  PUSH: 'push',
  QUERY: 'query',
  QUERY_HIT: 'queryhit',
  ROUTE_TABLE_UPDATE: 'qrp',
};

const GTK_TYPES: Record<string, string> = {
  '0x00': 'ping',
  '0x01': 'pong',
  '0x02': 'bye',
  '0x30': 'qrp',
  '0x31': 'vendor',
  '0x32': 'vendor',
  '0x40': 'push',
  '0x80': 'query',
  '0x81': 'queryhit',
};

const gtkType = (code: string): string => GTK_TYPES[code] ?? 'unknown';

/** the five fields every line has, as a comparable string */
const key = (r: { type: unknown; guid: unknown; ttl: unknown; hops: unknown; length: unknown }): string =>
  `${String(r.type)} ${String(r.guid)} ttl=${String(r.ttl)} hops=${String(r.hops)} len=${String(r.length)}`;

const sorted = (xs: string[]): string[] => xs.slice().sort();

// ---- single descriptor files ----------------------------------------------------------------

describe('decoding every captured .bin agrees with index.json', () => {
  it.each(bunIndex.map((e) => [e.file, e] as const))('gnutella-bun-client %s', async (_f, e) => {
    const r = await decode({ files: [join(BUN, e.file)] });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.records).toHaveLength(1);
    const rec = r.records[0] as Rec;
    expect(key(rec as never)).toBe(
      key({ type: BUN_TYPES[e.type], guid: e.guid, ttl: e.ttl, hops: e.hops, length: e.payload_length }),
    );
    const d = e.decoded;
    switch (rec['type']) {
      case 'pong':
        expect(rec).toMatchObject({ port: d['port'], ip: d['ip'], files: d['files'], kbytes: d['kbytes'] });
        break;
      case 'query':
        expect(rec).toMatchObject({ minSpeed: d['min_speed_le'], search: d['search'] });
        break;
      case 'queryhit': {
        expect(rec).toMatchObject({
          port: d['port'],
          ip: d['ip'],
          speed: d['speed_kbps'],
          vendor: d['vendor'],
        });
        expect(rec['serventId']).toBe(d['servent_id']);
        const results = d['results'] as Array<{ index: number; size: number; name: string; urns: string[] }>;
        expect(rec['results']).toMatchObject(
          results.map((x) => ({ index: x.index, size: x.size, name: x.name, urns: x.urns })),
        );
        expect(rec['ggep']).toEqual((d['trailer_ggep'] as Array<{ id: string }>).map((g) => g.id));
        break;
      }
      case 'push':
        expect(rec).toMatchObject({
          serventId: d['servent_id'],
          index: d['file_index'],
          ip: d['ip'],
          port: d['port'],
        });
        break;
      case 'bye':
        expect(rec).toMatchObject({ code: d['code'], reason: d['message'] });
        break;
      case 'qrp':
        expect(rec['variant']).toBe(d['variant']);
        if (d['variant'] === 'reset')
          expect(rec).toMatchObject({ tableLength: d['table_length'], infinity: d['infinity'] });
        else
          expect(rec).toMatchObject({
            seqNo: d['seq_no'],
            seqSize: d['seq_size'],
            entryBits: d['entry_bits'],
          });
        break;
      default:
        expect(rec['type']).toBe('ping');
    }
  });

  it.each(gtkDescriptors.map((i) => [i.file, i] as const))('gtk-gnutella %s', async (_f, item) => {
    const r = await decode({ files: [join(GTK, 's1-ultra-plain', item.file)] });
    expect(r.stderr).toBe('');
    expect(r.records).toHaveLength(1);
    const rec = r.records[0] as Rec;
    expect(key(rec as never)).toBe(
      key({
        type: gtkType(item.type_code as string),
        guid: item.guid,
        ttl: item.ttl,
        hops: item.hops,
        length: item.payload_length,
      }),
    );
    const d = item.decoded as Record<string, unknown>;
    // every GGEP extension the index lists is reported (message level and per result)
    const ggep = new Set<string>([
      ...((rec['ggep'] as string[] | undefined) ?? []),
      ...((rec['results'] as Array<{ ggep?: string[] }> | undefined) ?? []).flatMap((x) => x.ggep ?? []),
    ]);
    const listed = (item.extensions ?? []).filter((x) => x.startsWith('GGEP ')).map((x) => x.slice(5));
    expect([...ggep].sort()).toEqual([...new Set(listed)].sort());
    switch (rec['type']) {
      case 'pong':
        expect(rec).toMatchObject({ port: d['port'], ip: d['ip'], files: d['files'], kbytes: d['kbytes'] });
        break;
      case 'query':
        expect(rec).toMatchObject({ minSpeed: d['min_speed_le16'], search: d['search'] });
        break;
      case 'queryhit': {
        expect(rec).toMatchObject({ port: d['port'], ip: d['ip'], speed: d['speed'] });
        expect(rec['serventId']).toBe(d['servent_guid']);
        expect(rec['vendor']).toBe((d['qhd'] as { vendor: string }).vendor);
        type R = { index: number; size: number; name: string; extensions: Array<Record<string, unknown>> };
        const results = d['results'] as R[];
        expect(rec['results']).toMatchObject(
          results.map((x) => ({ index: x.index, size: x.size, name: x.name })),
        );
        const urnsOf = (x: R): string[] =>
          x.extensions.flatMap((ext) =>
            ext['kind'] === 'HUGE'
              ? [ext['urn'] as string]
              : ((ext['extensions'] as Array<{ urn?: string }> | undefined) ?? []).flatMap((g) =>
                  g.urn ? [g.urn] : [],
                ),
          );
        (rec['results'] as Array<{ urns: string[] }>).forEach((res, i) => {
          expect(sorted(res.urns.map((u) => u.toLowerCase()))).toEqual(
            sorted([...new Set(urnsOf(results[i] as R).map((u) => u.toLowerCase()))]),
          );
        });
        break;
      }
      case 'push':
        expect(rec).toMatchObject({
          serventId: d['servent_guid'],
          index: d['file_index'],
          ip: d['ip'],
          port: d['port'],
        });
        break;
      case 'bye':
        expect(rec).toMatchObject({ code: d['code'], reason: d['message'] });
        break;
      case 'qrp':
        expect(rec['variant']).toBe(String(d['variant']).toLowerCase());
        break;
      case 'vendor':
        expect(rec).toMatchObject({ selector: d['selector'], version: d['version'] });
        expect(rec['vendor']).toBe(String(d['vendor']).replaceAll('\\0', '\0'));
        break;
      default:
        break;
    }
  });
});

// ---- pcap ---------------------------------------------------------------------------------

describe('--pcap yields the descriptors listed for each capture', () => {
  const scenarios = ['01_leaf_up_deflate', '02_leaf_up_plain', '03_up_up_leaf_plain', '04_push_giv_plain'];

  it.each(scenarios)('gnutella-bun-client %s', async (scenario) => {
    const r = await decode({ files: [join(BUN, `${scenario}.pcap`)], pcap: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const listed = bunIndex
      .filter((e) => e.capture === scenario && e.stream === 'gnutella')
      .map((e) =>
        key({ type: BUN_TYPES[e.type], guid: e.guid, ttl: e.ttl, hops: e.hops, length: e.payload_length }),
      );
    expect(listed.length).toBeGreaterThan(0);
    expect(sorted(r.records.map((x) => key(x as never)))).toEqual(sorted(listed));
    for (const x of r.records) expect(x['stream']).toMatch(/^127\.0\.0\.1:\d+>127\.0\.0\.1:\d+$/);
  });

  it('the deflate scenario inflates both directions', async () => {
    const r = await decode({ files: [join(BUN, '01_leaf_up_deflate.pcap')], pcap: true });
    const streams = new Set(r.records.map((x) => x['stream']));
    expect(streams.size).toBe(2);
    const hit = r.records.find(
      (x) => x['guid'] === '920d12606d8f4352ff17b83ad5acde00' && x['type'] === 'queryhit',
    );
    expect(hit?.['results']).toEqual([
      {
        index: 1,
        size: 307200,
        name: 'beatles penny lane.mp3',
        urns: ['urn:sha1:J5EQDRBKTDALFTKYBAXSPZQ2VL7CZ56C'],
        ggep: ['H'],
      },
    ]);
  });

  it('gtk-gnutella s1: every TCP descriptor, in stream order, per direction', async () => {
    const r = await decode({ files: [join(GTK, 's1-ultra-plain.pcap')], pcap: true });
    expect(r.stderr).toBe('');
    const tcp = gtkDescriptors.filter((i) => i.transport === 'tcp');
    expect(r.records).toHaveLength(tcp.length);
    const byStream = (pairs: Array<[string, string]>): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      for (const [s, k] of pairs) (out[s] ??= []).push(k);
      return out;
    };
    const expected = byStream(
      tcp
        .slice()
        .sort((a, b) => (a.stream_offset as number) - (b.stream_offset as number))
        .map((i) => [
          `${i.src}>${i.dst}`,
          key({
            type: gtkType(i.type_code as string),
            guid: i.guid,
            ttl: i.ttl,
            hops: i.hops,
            length: i.payload_length,
          }),
        ]),
    );
    const got = byStream(r.records.map((x) => [x['stream'] as string, key(x as never)]));
    expect(got).toEqual(expected);
  });

  it('a capture cut inside a record: the descriptors before the cut, then the cut', async () => {
    const whole = readFileSync(join(BUN, '03_up_up_leaf_plain.pcap'));
    const full = await decode({ files: [join(BUN, '03_up_up_leaf_plain.pcap')], pcap: true });
    const cutAt = whole.length - 30;
    const r = await decode({ files: ['-'], pcap: true }, whole.subarray(0, cutAt));
    expect(r.code).toBe(2);
    expect(r.records.length).toBeGreaterThan(0);
    expect(r.records.length).toBeLessThanOrEqual(full.records.length);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^servent decode: stdin: offset \d+: PCAP_TRUNCATED: /);
  });

  it('not a pcap: one stderr line, exit 2', async () => {
    const r = await decode({ files: [join(BUN, '02_leaf_up_plain/d0001_c03_PING_B-to-A.bin')], pcap: true });
    expect(r).toMatchObject({ code: 2, records: [] });
    expect(r.stderr).toMatch(/offset 0: PCAP_BAD_MAGIC/);
  });
});

// ---- hex, faults, inputs ---------------------------------------------------------------------

describe('inputs and faults', () => {
  const ping = readFileSync(join(BUN, '02_leaf_up_plain/d0001_c03_PING_B-to-A.bin'));
  const pong = readFileSync(join(BUN, '02_leaf_up_plain/d0002_c03_PONG_A-to-B.bin'));
  const hit = readFileSync(join(BUN, '02_leaf_up_plain/d0008_c03_QUERYHIT_A-to-B.bin'));

  it('--hex ignores whitespace and gives the same records as binary', async () => {
    const stream = Buffer.concat([ping, pong, hit]);
    const bin = await decode({ files: ['-'] }, stream);
    const text = stream
      .toString('hex')
      .replace(/(.{2})/g, '$1 ')
      .replace(/(.{48})/g, '$1\n\t');
    const hex = await decode({ hex: true }, Buffer.from(text.toUpperCase()));
    expect(hex.code).toBe(0);
    expect(hex.records).toHaveLength(3);
    expect(hex.records).toEqual(bin.records);
  });

  it('--hex: a non-hex character or an odd digit count is a fault with its text offset', async () => {
    const bad = await decode({ hex: true }, Buffer.from(`${ping.toString('hex')} zz`));
    expect(bad.code).toBe(2);
    expect(bad.records).toEqual([]);
    expect(bad.stderr).toBe(
      `servent decode: stdin: offset ${ping.length * 2 + 1}: DECODE_BAD_HEX: not a hex digit: "z" (offset is in the text)\n`,
    );
    const odd = await decode({ hex: true }, Buffer.from('abc'));
    expect(odd.stderr).toMatch(/offset 3: DECODE_BAD_HEX/);
  });

  it('a truncated file: what decoded, then one stderr line with the offset, exit 2', async () => {
    const stream = Buffer.concat([ping, pong, hit]);
    const cut = stream.subarray(0, ping.length + pong.length + 30);
    const r = await decode({ files: ['-'] }, cut);
    expect(r.code).toBe(2);
    expect(r.records.map((x) => x['type'])).toEqual(['ping', 'pong']);
    expect(r.stderr).toBe(
      `servent decode: stdin: offset ${ping.length + pong.length}: DECODE_TRUNCATED: the input ends inside a descriptor (30 of ${hit.length} bytes)\n`,
    );
  });

  it('a bad payload: the codec error code and the descriptor offset', async () => {
    // a Pong whose payload is too short to hold port, IP, files and kbytes
    const shortPong = Buffer.concat([Buffer.from(pong.subarray(0, 23)), Buffer.alloc(5)]);
    shortPong.writeUInt32LE(5, 19);
    const r = await decode({ files: ['-'] }, Buffer.concat([ping, shortPong, ping]));
    expect(r.code).toBe(2);
    expect(r.records.map((x) => x['type'])).toEqual(['ping']);
    expect(r.stderr).toMatch(
      new RegExp(`^servent decode: stdin: offset ${ping.length + 23}: E_PAYLOAD_TOO_SHORT: `),
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('lost framing (a length over its cap): the records before, then the framing error', async () => {
    const huge = Buffer.from(ping);
    huge.writeUInt32LE(0x7fffffff, 19);
    const r = await decode({ files: ['-'] }, Buffer.concat([ping, pong, huge, ping]));
    expect(r.code).toBe(2);
    expect(r.records.map((x) => x['type'])).toEqual(['ping', 'pong']);
    expect(r.stderr).toMatch(new RegExp(`offset ${ping.length + pong.length}: E_PAYLOAD_TOO_LARGE: `));
  });

  it('several files in order; stops at the first faulty one', async () => {
    const a = join(BUN, '02_leaf_up_plain/d0001_c03_PING_B-to-A.bin');
    const b = join(BUN, '02_leaf_up_plain/d0012_c03_BYE_B-to-A.bin');
    const ok = await decode({ files: [a, b] });
    expect(ok.records.map((x) => x['type'])).toEqual(['ping', 'bye']);
    const missing = await decode({ files: [a, join(BUN, 'no-such-file.bin'), b] });
    expect(missing.code).toBe(1);
    expect(missing.records.map((x) => x['type'])).toEqual(['ping']);
    expect(missing.stderr).toMatch(/no-such-file\.bin: cannot read/);
  });

  it('empty input decodes to nothing', async () => {
    expect(await decode({}, Buffer.alloc(0))).toEqual({ code: 0, records: [], stderr: '' });
  });
});

describe('planConversation: which streams are Gnutella links', () => {
  const conv = (c2s: string | Buffer, s2c: string | Buffer): TcpConversation => ({
    client: { ip: '10.0.0.1', port: 40000 },
    server: { ip: '10.0.0.2', port: 6346 },
    clientToServer: Buffer.from(c2s),
    serverToClient: Buffer.from(s2c),
    firstRecord: 0,
    startTime: 0,
    synSeen: true,
    incomplete: { clientToServer: false, serverToClient: false },
  });

  it('a 0.4 link: binary right after each block, no compression', () => {
    const plan = planConversation(conv('GNUTELLA CONNECT/0.4\n\nBIN-UP', 'GNUTELLA OK\n\nBIN-DOWN'));
    expect(plan).toMatchObject({
      kind: 'gnutella',
      directions: [
        { stream: '10.0.0.1:40000>10.0.0.2:6346', offset: 22, deflate: false },
        { stream: '10.0.0.2:6346>10.0.0.1:40000', offset: 13, deflate: false },
      ],
    });
    if (plan.kind !== 'gnutella') return;
    expect(plan.directions.map((d) => d.binary.toString())).toEqual(['BIN-UP', 'BIN-DOWN']);
  });

  it('a 0.6 link: compression per direction from each sender’s accepting block', () => {
    const hello = 'GNUTELLA CONNECT/0.6\r\nAccept-Encoding: deflate\r\n\r\n';
    const reply = 'GNUTELLA/0.6 200 OK\r\nAccept-Encoding: deflate\r\nContent-Encoding: deflate\r\n\r\n';
    const final = 'GNUTELLA/0.6 200 OK\r\n\r\n';
    const plan = planConversation(conv(`${hello}${final}up`, `${reply}down`));
    expect(plan).toMatchObject({
      kind: 'gnutella',
      directions: [
        { offset: hello.length + final.length, deflate: false },
        { offset: reply.length, deflate: true },
      ],
    });
  });

  it('skips refusals, HTTP and GIV; a garbled reply is a fault in that direction', () => {
    const hello = 'GNUTELLA CONNECT/0.6\r\n\r\n';
    expect(planConversation(conv(hello, 'GNUTELLA/0.6 503 Busy\r\nX-Try: 1.2.3.4:5\r\n\r\n')).kind).toBe(
      'skip',
    );
    expect(
      planConversation(conv(`${hello}GNUTELLA/0.6 503 No\r\n\r\n`, 'GNUTELLA/0.6 200 OK\r\n\r\n')).kind,
    ).toBe('skip');
    expect(planConversation(conv('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n')).kind).toBe('skip');
    expect(planConversation(conv('GIV 0:00/file\n\n', '')).kind).toBe('skip');
    expect(planConversation(conv(hello, '')).kind).toBe('skip');
    expect(planConversation(conv(hello, 'HTTP/1.1 200 OK\r\n\r\n'))).toMatchObject({
      kind: 'fault',
      stream: '10.0.0.2:6346>10.0.0.1:40000',
      fault: { code: 'HANDSHAKE_BAD_START_LINE', offset: 0 },
    });
  });
});
