import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { SearchHit } from '../../src/routing/types.js';
import {
  numberedName,
  parseHitUrl,
  parseMagnet,
  parseTarget,
  sanitiseName,
  sourceFromHit,
  sourceKey,
} from '../../src/transfer/download/index.js';

const URN = 'urn:sha1:PLSTHIPQGSSZTS5FJUPAKUZWUGYQYPFB';
const GUID = '0123456789abcdef0123456789abcdef';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ConfigError ? e.code : 'not-a-config-error';
  }
  return undefined;
}

describe('parseHitUrl', () => {
  it.each([
    [
      'http://10.0.0.5:6346/get/12/My%20Song.mp3',
      {
        sources: [{ kind: 'direct', host: '10.0.0.5', port: 6346, path: '/get/12/My%20Song.mp3', index: 12 }],
        name: 'My Song.mp3',
      },
    ],
    [
      'http://10.0.0.5:6346/get/12/Song.mp3/',
      {
        sources: [{ kind: 'direct', host: '10.0.0.5', port: 6346, path: '/get/12/Song.mp3/', index: 12 }],
        name: 'Song.mp3',
      },
    ],
    [
      `http://127.0.0.1:6346/uri-res/N2R?${URN.toLowerCase().replace('urn:sha1:', 'urn:sha1:')}`,
      {
        sources: [
          { kind: 'direct', host: '127.0.0.1', port: 6346, path: `/uri-res/N2R?${URN.toLowerCase()}` },
        ],
        urn: URN,
      },
    ],
    [
      'http://example.org/files/report.pdf',
      {
        sources: [{ kind: 'direct', host: 'example.org', port: 80, path: '/files/report.pdf' }],
        name: 'report.pdf',
      },
    ],
    [
      'http://[::1]:8080/x.bin',
      { sources: [{ kind: 'direct', host: '::1', port: 8080, path: '/x.bin' }], name: 'x.bin' },
    ],
  ])('%s', (url, want) => {
    expect(parseHitUrl(url)).toEqual(want);
  });

  it.each([
    ['ftp://h/x', 'E_BAD_URL'],
    ['https://h/x', 'E_BAD_URL'],
    ['not a url', 'E_BAD_URL'],
    [`http://h/${'a'.repeat(5000)}`, 'E_URL_TOO_LONG'],
  ])('rejects %s', (url, code) => {
    expect(codeOf(() => parseHitUrl(url))).toBe(code);
  });
});

describe('parseMagnet', () => {
  it.each([
    [
      'gtk-gnutella style with http and push sources',
      `magnet:?xt=${URN}&dn=Some+File.ogg&xl=1234&xs=http://1.2.3.4:6346/uri-res/N2R?${URN}&xs=push://${GUID.toUpperCase()}:5.6.7.8:6346:[2001:db8::1]:6347/uri-res/N2R?${URN}`,
      {
        urn: URN,
        name: 'Some File.ogg',
        size: 1234,
        sources: [
          { kind: 'direct', host: '1.2.3.4', port: 6346, path: `/uri-res/N2R?${URN}` },
          {
            kind: 'push',
            serventId: GUID,
            index: 0,
            name: 'Some File.ogg',
            proxies: [
              { host: '5.6.7.8', port: 6346 },
              { host: '2001:db8::1', port: 6347 },
            ],
          },
        ],
      },
    ],
    [
      'urn only, lower-case base32, bitprint downconverted',
      `magnet:?xt=urn:bitprint:${URN.slice(9).toLowerCase()}.TIGERTIGERTIGERTIGERTIGERTIGERTIGERTIGE`,
      { urn: URN, sources: [] },
    ],
    [
      'as= and numbered xs.1, duplicates collapsed, unknown params ignored',
      `magnet:?xt.1=${URN}&kt=music&as=http://1.2.3.4:6346/get/3/a%20b.mp3&xs.1=http://1.2.3.4:6346/uri-res/N2R?${URN}&tr=udp://x`,
      {
        urn: URN,
        name: 'a b.mp3',
        sources: [{ kind: 'direct', host: '1.2.3.4', port: 6346, path: '/get/3/a%20b.mp3', index: 3 }],
      },
    ],
    [
      'source only, name from the URL, push with /get/ index',
      `magnet:?xs=push://${GUID}/get/7/x.bin`,
      { sources: [{ kind: 'push', serventId: GUID, index: 7, name: 'x.bin' }] },
    ],
    [
      'percent-encoded dn',
      `magnet:?xt=${URN}&dn=caf%C3%A9%20%2B%201`,
      { urn: URN, name: 'café + 1', sources: [] },
    ],
  ])('%s', (_what, text, want) => {
    expect(parseMagnet(text)).toEqual(want);
  });

  it.each([
    ['not a magnet', 'http://x/y', 'E_BAD_MAGNET'],
    ['nothing usable', 'magnet:?dn=x&xt=urn:btih:abc', 'E_BAD_MAGNET'],
    ['bad xl', `magnet:?xt=${URN}&xl=-5`, 'E_BAD_MAGNET'],
    ['bad push id', 'magnet:?xs=push://1234/x', 'E_BAD_PUSH_URL'],
    ['bad push proxy', `magnet:?xs=push://${GUID}:1.2.3.4/x`, 'E_BAD_PUSH_URL'],
    ['too long', `magnet:?xt=${URN}&dn=${'a'.repeat(20_000)}`, 'E_MAGNET_TOO_LONG'],
  ])('rejects %s', (_what, text, code) => {
    expect(codeOf(() => parseMagnet(text))).toBe(code);
  });

  it('keeps at most 32 sources', () => {
    const xs = Array.from({ length: 50 }, (_, i) => `xs=http://10.0.0.${i}:6346/uri-res/N2R?${URN}`).join(
      '&',
    );
    expect(parseMagnet(`magnet:?xt=${URN}&${xs}`).sources.length).toBe(32);
  });

  it('parseTarget picks the parser by scheme', () => {
    expect(parseTarget(` magnet:?xt=${URN} `).urn).toBe(URN);
    expect(parseTarget('http://1.2.3.4:1/get/1/a').name).toBe('a');
  });
});

describe('sourceFromHit / sourceKey', () => {
  const hit = (needsPush: boolean, urn: string | undefined): SearchHit => ({
    holder: { ip: '192.168.1.9', port: 6346, serventId: GUID.toUpperCase(), needsPush },
    file: { index: 42, name: 'a b#c.txt', size: 10, urn },
    hops: 1,
    backend: 'flood',
  });

  it('direct hit with a urn asks by urn; without one by /get/ with an encoded name', () => {
    const h = hit(false, URN.toLowerCase());
    expect(sourceFromHit(h)).toEqual({
      kind: 'direct',
      host: '192.168.1.9',
      port: 6346,
      path: `/uri-res/N2R?${URN}`,
      serventId: GUID,
      index: 42,
      hit: h,
    });
    expect(sourceFromHit(hit(false, undefined))).toMatchObject({ path: '/get/42/a%20b%23c.txt' });
  });

  it('a firewalled holder becomes a push source carrying the hit', () => {
    const h = hit(true, URN);
    expect(sourceFromHit(h)).toEqual({ kind: 'push', serventId: GUID, index: 42, name: 'a b#c.txt', hit: h });
  });

  it('keys identify the holder, not the path', () => {
    expect(sourceKey({ kind: 'direct', host: '1.2.3.4', port: 5, path: '/a' })).toBe(
      sourceKey({ kind: 'direct', host: '1.2.3.4', port: 5, path: '/b' }),
    );
    expect(sourceKey({ kind: 'direct', host: '::1', port: 5, path: '/a' })).toBe('[::1]:5');
    expect(sourceKey({ kind: 'push', serventId: GUID, index: 0, name: '' })).toBe(`push:${GUID}`);
  });
});

describe('sanitiseName', () => {
  it.each([
    ['song.mp3', 'song.mp3'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\system.ini', 'system.ini'],
    ['..', 'download'],
    ['.hidden', 'hidden'],
    ['...', 'download'],
    ['', 'download'],
    ['a\u0000b\u001fc\u007f.txt', 'a_b_c_.txt'],
    ['x..y', 'x.y'],
    ['  spaced  ', 'spaced'],
    ['trailing dot.', 'trailing dot'],
    ['we<ird>:"|?*.txt', 'we_ird______.txt'],
    ['dir/', 'download'],
  ])('%j → %j', (raw, want) => {
    expect(sanitiseName(raw)).toBe(want);
  });

  it('caps the length in UTF-8 bytes and keeps the extension', () => {
    const long = `${'é'.repeat(300)}.flac`;
    const s = sanitiseName(long);
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(200);
    expect(s.endsWith('.flac')).toBe(true);
    expect(s.startsWith('éé')).toBe(true);
  });

  it('uses the fallback given', () => {
    expect(sanitiseName('/', 'PLSTHIPQ')).toBe('PLSTHIPQ');
  });

  it('numbers names before the extension', () => {
    expect(numberedName('a.txt', 0)).toBe('a.txt');
    expect(numberedName('a.txt', 2)).toBe('a (2).txt');
    expect(numberedName('noext', 1)).toBe('noext (1)');
    expect(Buffer.byteLength(numberedName(`${'x'.repeat(200)}.txt`, 12))).toBeLessThanOrEqual(200);
  });
});
