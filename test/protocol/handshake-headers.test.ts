import { describe, expect, it } from 'vitest';
import { ServentError } from '../../src/core/errors.js';
import {
  DEFAULT_MAX_XTRY_ENTRIES,
  HandshakeHeaders,
  defaultHandshakeHeaders,
  parseXTry,
  writeConnect06,
} from '../../src/protocol/handshake.js';

describe('HandshakeHeaders', () => {
  it('is case-insensitive and joins repeated names', () => {
    const h = new HandshakeHeaders([
      ['X-Try', 'a:1'],
      ['User-Agent', 'X'],
      ['x-try', 'b:2'],
    ]);
    expect(h.get('X-TRY')).toBe('a:1, b:2');
    expect(h.has('user-agent')).toBe(true);
    expect(h.entries()).toEqual([
      ['X-Try', 'a:1, b:2'],
      ['User-Agent', 'X'],
    ]);
    expect(h.lines()).toHaveLength(3);
  });

  it('set replaces in place, delete removes every line, override merges', () => {
    const h = new HandshakeHeaders([
      ['A', '1'],
      ['B', '2'],
      ['a', '3'],
    ]);
    h.set('a', 'x');
    expect(h.toJSON()).toEqual([
      ['a', 'x'],
      ['B', '2'],
    ]);
    h.delete('b').append('C', ' spaced ');
    expect(h.toJSON()).toEqual([
      ['a', 'x'],
      ['C', 'spaced'],
    ]);
    h.override(new HandshakeHeaders([['c', 'new']]));
    expect(h.get('C')).toBe('new');
    expect(h.size).toBe(2);
  });

  it('reads booleans and token lists', () => {
    const h = new HandshakeHeaders([
      ['X-Ultrapeer', 'TRUE'],
      ['X-Requeries', 'false'],
      ['Accept-Encoding', 'gzip;q=0.5, Deflate'],
    ]);
    expect(h.isTrue('x-ultrapeer')).toBe(true);
    expect(h.isFalse('X-Requeries')).toBe(true);
    expect(h.isTrue('Missing')).toBe(false);
    expect(h.hasToken('accept-encoding', 'deflate')).toBe(true);
    expect(h.hasToken('accept-encoding', 'gzip')).toBe(true);
    expect(h.hasToken('accept-encoding', 'br')).toBe(false);
  });

  it('refuses names and values that would corrupt a block', () => {
    const h = new HandshakeHeaders();
    for (const [n, v] of [
      ['Bad Name', 'v'],
      ['Bad:Name', 'v'],
      ['', 'v'],
      ['Ok', 'injected\r\nX-Evil: 1'],
      ['Ok', 'nul\0'],
    ] as const) {
      expect(() => h.append(n, v)).toThrow(ServentError);
    }
    expect(() => writeConnect06([['Ok', 'a\nb']])).toThrow(/CR, LF or NUL/);
  });
});

describe('parseXTry', () => {
  it('reads comma lists with spaces, a trailing comma and bracketed IPv6', () => {
    expect(parseXTry('203.0.113.5:6346,198.51.100.9:6348, [2001:db8::1]:6346 ,')).toEqual([
      { host: '203.0.113.5', port: 6346 },
      { host: '198.51.100.9', port: 6348 },
      { host: '2001:db8::1', port: 6346 },
    ]);
  });

  it('skips unusable items', () => {
    expect(
      parseXTry(
        '1.2.3.4, 1.2.3.4:0, 1.2.3.4:70000, 300.1.1.1:5, host.example:6346, [zz]:1, [::1]:2, 5.6.7.8:9',
      ),
    ).toEqual([
      { host: '::1', port: 2 },
      { host: '5.6.7.8', port: 9 },
    ]);
    expect(parseXTry('')).toEqual([]);
    expect(parseXTry(',,, ,')).toEqual([]);
  });

  it(`caps the entries (default ${DEFAULT_MAX_XTRY_ENTRIES})`, () => {
    const many = Array.from({ length: 500 }, (_, i) => `10.0.${i >> 8}.${i & 255}:6346`).join(',');
    expect(parseXTry(many)).toHaveLength(DEFAULT_MAX_XTRY_ENTRIES);
    expect(parseXTry(many, 3).map((h) => h.host)).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.2']);
  });
});

describe('defaultHandshakeHeaders', () => {
  const base = {
    userAgent: 'servent/0.1.0',
    listenIp: '127.0.0.1',
    listenPort: 6346,
    serventIdHex: 'F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF',
  };

  it('sends the set deployed servents judge us by', () => {
    const h = defaultHandshakeHeaders({
      ...base,
      remoteIp: '127.0.0.9',
      ultrapeer: false,
      acceptDeflate: true,
    });
    expect(h.toJSON()).toEqual([
      ['User-Agent', 'servent/0.1.0'],
      ['X-Ultrapeer', 'False'],
      ['X-Query-Routing', '0.1'],
      ['X-Max-TTL', '4'],
      ['X-Degree', '32'],
      ['X-Dynamic-Querying', '0.1'],
      ['X-Requeries', 'False'],
      ['Pong-Caching', '0.1'],
      ['GGEP', '0.5'],
      ['Bye-Packet', '0.1'],
      ['Vendor-Message', '0.2'],
      ['Accept-Encoding', 'deflate'],
      ['Listen-IP', '127.0.0.1:6346'],
      ['Remote-IP', '127.0.0.9'],
      ['GUID', 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'],
    ]);
    // we do not keep leaves' QRP tables yet, so we must not promise last-hop routing
    expect(h.has('X-Ultrapeer-Query-Routing')).toBe(false);
  });

  it('follows the role and the deflate choice; Remote-IP only when known', () => {
    const h = defaultHandshakeHeaders({ ...base, ultrapeer: true, acceptDeflate: false });
    expect(h.get('X-Ultrapeer')).toBe('True');
    expect(h.has('Accept-Encoding')).toBe(false);
    expect(h.has('Remote-IP')).toBe(false);
    expect(writeConnect06(h).toString('latin1')).not.toMatch(/foxy/i);
  });

  it('never sends a "foxy" User-Agent (gnutella-bun-client bans it)', () => {
    expect(() =>
      defaultHandshakeHeaders({ ...base, userAgent: 'FoxyClone/1', ultrapeer: false, acceptDeflate: false }),
    ).toThrow(/foxy/);
  });
});
