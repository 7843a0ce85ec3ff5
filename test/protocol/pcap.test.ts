import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import { parseHandshakeBlock } from '../../src/protocol/handshake.js';
import {
  LinkType,
  PcapErrorCode,
  TcpFlag,
  formatEndpoint,
  readPcap,
  readTcpConversations,
  type TcpConversation,
} from '../../src/protocol/pcap.js';

const CAPTURES = join(import.meta.dirname, '../../fixtures/captures');
const HANDSHAKES = join(import.meta.dirname, '../../fixtures/handshakes');
const SEED = 0x9ca9;

// ---- a small pcap builder -------------------------------------------------------------

interface Seg {
  src: [string, number];
  dst: [string, number];
  seq: number;
  flags?: number;
  data?: string | Buffer;
  /** captured bytes of the frame (snaplen cut) */
  cut?: number;
}

const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));

function tcpIp(s: Seg): Buffer {
  const data = typeof s.data === 'string' ? Buffer.from(s.data, 'latin1') : (s.data ?? Buffer.alloc(0));
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(s.src[1], 0);
  tcp.writeUInt16BE(s.dst[1], 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp[12] = 5 << 4;
  tcp[13] = s.flags ?? TcpFlag.ACK;
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + data.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  ip4(s.src[0]).copy(ip, 12);
  ip4(s.dst[0]).copy(ip, 16);
  return Buffer.concat([ip, tcp, data]);
}

function frame(link: number, ipPacket: Buffer, littleEndianNull = true): Buffer {
  switch (link) {
    case LinkType.ETHERNET: {
      const eth = Buffer.alloc(14);
      eth.writeUInt16BE(0x0800, 12);
      return Buffer.concat([eth, ipPacket]);
    }
    case LinkType.LINUX_SLL: {
      const sll = Buffer.alloc(16);
      sll.writeUInt16BE(772, 2);
      sll.writeUInt16BE(0x0800, 14);
      return Buffer.concat([sll, ipPacket]);
    }
    case LinkType.LINUX_SLL2: {
      const sll2 = Buffer.alloc(20);
      sll2.writeUInt16BE(0x0800, 0);
      return Buffer.concat([sll2, ipPacket]);
    }
    case LinkType.NULL: {
      const fam = Buffer.alloc(4);
      if (littleEndianNull) fam.writeUInt32LE(2);
      else fam.writeUInt32BE(2);
      return Buffer.concat([fam, ipPacket]);
    }
    default:
      return ipPacket;
  }
}

function pcap(
  frames: Buffer[],
  opts: { link?: number; le?: boolean; ns?: boolean; cuts?: (number | undefined)[] } = {},
): Buffer {
  const le = opts.le ?? true;
  const u32 = (b: Buffer, v: number, o: number): void =>
    void (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const u16 = (b: Buffer, v: number, o: number): void =>
    void (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const g = Buffer.alloc(24);
  u32(g, opts.ns ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(g, 2, 4);
  u16(g, 4, 6);
  u32(g, 262144, 16);
  u32(g, opts.link ?? LinkType.ETHERNET, 20);
  const parts: Buffer[] = [g];
  frames.forEach((f, i) => {
    const cut = opts.cuts?.[i];
    const captured = cut === undefined ? f : f.subarray(0, cut);
    const h = Buffer.alloc(16);
    u32(h, 1_700_000_000 + i, 0);
    u32(h, opts.ns ? 500_000_000 : 500_000, 4);
    u32(h, captured.length, 8);
    u32(h, f.length, 12);
    parts.push(h, captured);
  });
  return Buffer.concat(parts);
}

const C: [string, number] = ['10.0.0.1', 40000];
const S: [string, number] = ['10.0.0.2', 6346];

/** a whole conversation: handshake, data both ways, FIN both ways */
function conversation(c2s: string[], s2c: string[], isnC = 1000, isnS = 5000): Seg[] {
  const segs: Seg[] = [
    { src: C, dst: S, seq: isnC, flags: TcpFlag.SYN },
    { src: S, dst: C, seq: isnS, flags: TcpFlag.SYN | TcpFlag.ACK },
  ];
  let sc = isnC + 1;
  let ss = isnS + 1;
  for (const d of c2s) {
    segs.push({ src: C, dst: S, seq: sc, data: d });
    sc += d.length;
  }
  for (const d of s2c) {
    segs.push({ src: S, dst: C, seq: ss, data: d });
    ss += d.length;
  }
  segs.push({ src: C, dst: S, seq: sc, flags: TcpFlag.FIN | TcpFlag.ACK });
  segs.push({ src: S, dst: C, seq: ss, flags: TcpFlag.FIN | TcpFlag.ACK });
  return segs;
}

function build(segs: Seg[], opts: { link?: number; le?: boolean; ns?: boolean } = {}): Buffer {
  const link = opts.link ?? LinkType.ETHERNET;
  return pcap(
    segs.map((s) => frame(link, tcpIp(s))),
    {
      ...opts,
      link,
      cuts: segs.map((s) =>
        s.cut === undefined ? undefined : s.cut + (link === LinkType.ETHERNET ? 14 : 0),
      ),
    },
  );
}

function only(buf: Buffer): TcpConversation {
  const r = readTcpConversations(buf);
  expect(r.conversations).toHaveLength(1);
  return r.conversations[0] as TcpConversation;
}

function expectPcapError(fn: () => unknown, code: string, offset?: number): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe(code);
    if (offset !== undefined) expect((e as ProtocolError).offset).toBe(offset);
    return;
  }
  throw new Error(`expected ${code}`);
}

// ---- real captures ----------------------------------------------------------------------

function blocksOf(stream: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  let rest = stream;
  for (let i = 0; i < n; i++) {
    const r = parseHandshakeBlock(rest);
    if (r.kind !== 'block') throw new Error('no complete handshake block');
    out.push(r.block.raw);
    rest = rest.subarray(r.consumed);
  }
  return out;
}

describe('captured pcaps', () => {
  it('gtk-gnutella s1: 7 TCP connections, the 3 Gnutella ones carry the captured handshakes', () => {
    const r = readTcpConversations(readFileSync(join(CAPTURES, 'gtk-gnutella/s1-ultra-plain.pcap')));
    expect(r.header).toMatchObject({ linkType: LinkType.ETHERNET, littleEndian: true, nanosecond: false });
    expect(r.conversations).toHaveLength(7);
    expect(r.stats.skipped['not-tcp']).toBe(8); // the UDP datagrams
    const gnutella = r.conversations.filter(
      (c) => c.clientToServer.subarray(0, 16).toString() === 'GNUTELLA CONNECT',
    );
    expect(gnutella.map((c) => `${formatEndpoint(c.client)}>${formatEndpoint(c.server)}`)).toEqual([
      '127.0.0.4:59339>127.0.0.2:6346',
      '127.0.0.3:33629>127.0.0.2:6346',
      '127.0.0.3:60293>127.0.0.4:6348',
    ]);
    const files = [
      ['0001', '0002', '0003'],
      ['0020', '0021', '0022'],
      ['0129', '0130', '0131'],
    ];
    gnutella.forEach((c, i) => {
      const [hello, ack] = blocksOf(c.clientToServer, 2);
      const [reply] = blocksOf(c.serverToClient, 1);
      const f = files[i] as string[];
      const read = (n: string, kind: string): Buffer =>
        readFileSync(join(HANDSHAKES, `gtk-gnutella/${n}-handshake-${kind}.txt`));
      expect(hello?.equals(read(f[0] as string, 'client-hello'))).toBe(true);
      expect(reply?.equals(read(f[1] as string, 'server-reply'))).toBe(true);
      expect(ack?.equals(read(f[2] as string, 'client-ack'))).toBe(true);
      expect(c.synSeen).toBe(true);
      expect(c.incomplete).toEqual({ clientToServer: false, serverToClient: false });
    });
    // the 1.5 MB download reassembles completely
    const download = r.conversations.find((c) =>
      c.clientToServer.toString('latin1').startsWith('GET /uri-res/'),
    );
    expect(download?.serverToClient.length).toBeGreaterThan(1_500_000);
  });

  it.each([
    ['01_leaf_up_deflate', 'c02_B-to-A'],
    ['02_leaf_up_plain', 'c03_B-to-A'],
    ['03_up_up_leaf_plain', 'c03_B-to-A'],
    ['04_push_giv_plain', 'c03_GBun-listen9-to-A'],
  ])('gnutella-bun-client %s: the handshake blocks match the extracted files', (scenario, conn) => {
    const r = readTcpConversations(readFileSync(join(CAPTURES, `gnutella-bun-client/${scenario}.pcap`)));
    const c = r.conversations.find((x) => x.clientToServer.subarray(0, 16).toString() === 'GNUTELLA CONNECT');
    if (c === undefined) throw new Error('no Gnutella connection');
    const read = (step: string): Buffer =>
      readFileSync(join(HANDSHAKES, `gnutella-bun-client/${scenario}__${conn}_${step}.txt`));
    const [hello, final] = blocksOf(c.clientToServer, 2);
    const [reply] = blocksOf(c.serverToClient, 1);
    expect(hello?.equals(read('hs1_connect'))).toBe(true);
    expect(reply?.equals(read('hs2_response'))).toBe(true);
    expect(final?.equals(read('hs3_final'))).toBe(true);
  });
});

// ---- file format --------------------------------------------------------------------------

describe('file format and link types', () => {
  const segs = conversation(['hello ', 'world'], ['HI']);

  it.each([
    ['little-endian µs', { le: true, ns: false }],
    ['big-endian µs', { le: false, ns: false }],
    ['little-endian ns', { le: true, ns: true }],
    ['big-endian ns', { le: false, ns: true }],
  ])('%s', (_name, opts) => {
    const buf = build(segs, opts);
    const { header, records } = readPcap(buf);
    expect(header).toMatchObject({
      littleEndian: opts.le,
      nanosecond: opts.ns,
      versionMajor: 2,
      versionMinor: 4,
    });
    expect(records[0]?.time).toBeCloseTo(1_700_000_000.5, 6);
    expect(only(buf)).toMatchObject({
      clientToServer: Buffer.from('hello world'),
      serverToClient: Buffer.from('HI'),
    });
  });

  it.each([
    ['Ethernet', LinkType.ETHERNET],
    ['Linux cooked', LinkType.LINUX_SLL],
    ['raw IPv4', LinkType.RAW],
    ['BSD loopback', LinkType.NULL],
    ['Linux cooked v2', LinkType.LINUX_SLL2],
    ['IPv4', LinkType.IPV4],
  ])('%s', (_name, link) => {
    const c = only(build(segs, { link }));
    expect(c.client).toEqual({ ip: '10.0.0.1', port: 40000 });
    expect(c.server).toEqual({ ip: '10.0.0.2', port: 6346 });
    expect(c.clientToServer.toString()).toBe('hello world');
  });

  it('BSD loopback family in either byte order; VLAN-tagged Ethernet', () => {
    const frames = segs.map((s) => frame(LinkType.NULL, tcpIp(s), false));
    expect(only(pcap(frames, { link: LinkType.NULL })).clientToServer.toString()).toBe('hello world');
    const vlan = segs.map((s) => {
      const eth = Buffer.alloc(18);
      eth.writeUInt16BE(0x8100, 12);
      eth.writeUInt16BE(0x0800, 16);
      return Buffer.concat([eth, tcpIp(s)]);
    });
    expect(only(pcap(vlan)).clientToServer.toString()).toBe('hello world');
  });

  it('skips what is not IPv4/TCP', () => {
    const arp = Buffer.alloc(42);
    arp.writeUInt16BE(0x0806, 12);
    const udp = tcpIp(segs[2] as Seg);
    udp[9] = 17;
    const frag = tcpIp(segs[2] as Seg);
    frag.writeUInt16BE(0x2000, 6);
    const bad = tcpIp(segs[2] as Seg);
    bad[0] = 0x4f; // IHL 60 > packet
    const r = readTcpConversations(
      pcap([arp, frame(1, udp), frame(1, frag), frame(1, bad), ...segs.map((s) => frame(1, tcpIp(s)))]),
    );
    expect(r.stats.skipped).toEqual({ 'not-ipv4': 1, 'not-tcp': 1, fragment: 1, malformed: 1 });
    expect(r.conversations).toHaveLength(1);
  });
});

// ---- reassembly ---------------------------------------------------------------------------

describe('TCP reassembly', () => {
  it('orders out-of-order segments and drops retransmissions', () => {
    const segs = conversation(['aaaa', 'bbbb', 'cccc', 'dddd'], ['xy']);
    const [syn, synack, a, b, c, d, ...tail] = segs as [Seg, Seg, Seg, Seg, Seg, Seg, ...Seg[]];
    const shuffled = [syn, synack, c, a, d, b, a, c, ...tail];
    expect(only(build(shuffled)).clientToServer.toString()).toBe('aaaabbbbccccdddd');
  });

  it('overlapping segments: the first copy of a byte wins', () => {
    const segs = conversation([], []);
    const data: Seg[] = [
      { src: C, dst: S, seq: 1001, data: 'abcdef' },
      { src: C, dst: S, seq: 1004, data: 'XYZghi' },
      { src: C, dst: S, seq: 1002, data: 'QQ' },
    ];
    segs.splice(2, 0, ...data);
    (segs[segs.length - 2] as Seg).seq = 1010;
    expect(only(build(segs)).clientToServer.toString()).toBe('abcdefghi');
  });

  it('ignores data after the FIN; finds the client from SYN+ACK when the SYN is missing', () => {
    const segs = conversation(['abc'], ['de']).slice(1);
    segs.push({ src: C, dst: S, seq: 1004 + 1, data: 'late' });
    const c = only(build(segs));
    expect(c.clientToServer.toString()).toBe('abc');
    expect(c.client.port).toBe(40000);
    expect(c.synSeen).toBe(true);
  });

  it('a capture that starts mid-connection: first packet decides, earlier bytes trimmed', () => {
    const segs: Seg[] = [
      { src: C, dst: S, seq: 77, data: 'mid' },
      { src: C, dst: S, seq: 75, data: 'xxmidYY' }, // retransmission reaching before the start
      { src: S, dst: C, seq: 9, data: 'ok' },
    ];
    const c = only(build(segs));
    expect(c.synSeen).toBe(false);
    expect(c.client).toEqual({ ip: '10.0.0.1', port: 40000 });
    expect(c.clientToServer.toString()).toBe('midYY');
  });

  it('a hole ends the stream and marks it incomplete; so does a frame cut by the snaplen', () => {
    const hole = conversation(['aaaa', 'bbbb', 'cccc'], ['x']);
    hole.splice(3, 1);
    const c = only(build(hole));
    expect(c.clientToServer.toString()).toBe('aaaa');
    expect(c.incomplete).toEqual({ clientToServer: true, serverToClient: false });
    const cut = conversation(['aaaa', 'bbbb'], ['x']);
    (cut[3] as Seg).cut = 40 + 2; // IP + TCP headers + 2 payload bytes
    const d = only(build(cut));
    expect(d.clientToServer.toString()).toBe('aaaabb');
    expect(d.incomplete.clientToServer).toBe(true);
  });

  it('sequence numbers wrap around 2^32', () => {
    const c = only(build(conversation(['abcd', 'efgh', 'ijkl'], ['z'], 0xfffffff9)));
    expect(c.clientToServer.toString()).toBe('abcdefghijkl');
  });

  it('port reuse after FIN starts a new conversation', () => {
    const first = conversation(['one'], ['1']);
    const second = conversation(['two'], ['2'], 90000, 70000);
    const r = readTcpConversations(build([...first, ...second]));
    expect(r.conversations.map((c) => c.clientToServer.toString())).toEqual(['one', 'two']);
    expect(r.conversations.map((c) => c.serverToClient.toString())).toEqual(['1', '2']);
  });

  it('keeps conversations apart and in order of their first packet', () => {
    const other: [string, number] = ['10.0.0.3', 50000];
    const a = conversation(['A'], ['a']);
    const b = conversation(['B'], ['b']).map((s) => ({
      ...s,
      src: s.src === C ? other : s.src,
      dst: s.dst === C ? other : s.dst,
    }));
    const mixed = a.flatMap((s, i) => [s, b[i] as Seg]);
    const r = readTcpConversations(build(mixed));
    expect(r.conversations.map((c) => `${formatEndpoint(c.client)}:${c.clientToServer.toString()}`)).toEqual([
      '10.0.0.1:40000:A',
      '10.0.0.3:50000:B',
    ]);
  });
});

// ---- hostile files ------------------------------------------------------------------------

describe('truncated and corrupt files', () => {
  const good = build(conversation(['hello'], ['hi']));

  it('bad magic, pcapng, short global header', () => {
    expectPcapError(
      () => readPcap(Buffer.from('not a pcap file at all, no no no')),
      PcapErrorCode.BAD_MAGIC,
      0,
    );
    expectPcapError(
      () => readPcap(Buffer.from('0a0d0d0a1c000000', 'hex')),
      PcapErrorCode.UNSUPPORTED_FORMAT,
      0,
    );
    expectPcapError(() => readPcap(good.subarray(0, 2)), PcapErrorCode.TRUNCATED, 2);
    expectPcapError(() => readPcap(good.subarray(0, 20)), PcapErrorCode.TRUNCATED, 20);
  });

  it('a truncated record header or record body names the record offset', () => {
    expectPcapError(() => readPcap(good.subarray(0, 24 + 10)), PcapErrorCode.TRUNCATED, 24);
    expectPcapError(() => readPcap(good.subarray(0, good.length - 1)), PcapErrorCode.TRUNCATED);
    const firstLen = good.readUInt32LE(24 + 8);
    expectPcapError(() => readPcap(good.subarray(0, 24 + 16 + firstLen - 1)), PcapErrorCode.TRUNCATED, 24);
  });

  it('caps the captured length of a record', () => {
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0xfffffff0, 24 + 8);
    expectPcapError(() => readPcap(huge), PcapErrorCode.RECORD_TOO_LARGE, 32);
    expectPcapError(
      () => readPcap(good, { maxRecordBytes: 40, maxConnections: 10 }),
      PcapErrorCode.RECORD_TOO_LARGE,
      32,
    );
  });

  it('caps the number of connections', () => {
    const segs: Seg[] = Array.from({ length: 5 }, (_, i) => ({
      src: ['10.1.0.1', 1000 + i],
      dst: S,
      seq: 1,
      flags: TcpFlag.SYN,
    }));
    expect(readTcpConversations(build(segs)).conversations).toHaveLength(5);
    expectPcapError(
      () => readTcpConversations(build(segs), { maxRecordBytes: 65536, maxConnections: 4 }),
      PcapErrorCode.TOO_MANY_CONNECTIONS,
    );
  });

  it('refuses unknown link types', () => {
    expectPcapError(
      () => readTcpConversations(build(conversation([], []), { link: 147 })),
      PcapErrorCode.UNSUPPORTED_LINK,
      20,
    );
  });

  it('fuzz: truncations and byte flips of a valid file give a result or a ProtocolError', () => {
    const base = build(
      conversation(['GNUTELLA CONNECT/0.6\r\n\r\n', 'abc'], ['GNUTELLA/0.6 200 OK\r\n\r\n']),
    );
    fc.assert(
      fc.property(
        fc.nat(base.length),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (len, flips) => {
          const buf = Buffer.from(base.subarray(0, len));
          for (const [at, v] of flips) if (at < buf.length) buf[at] = v;
          try {
            readTcpConversations(buf);
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e;
            expect(e.offset).toBeTypeOf('number');
          }
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('fuzz: arbitrary bytes after a valid global header', () => {
    const header = good.subarray(0, 24);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          readTcpConversations(Buffer.concat([header, bytes]));
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});
