/**
 * Turns what a user or a search gives us into `DownloadSource`s: a hit URL
 * (`http://host:port/get/<index>/<name>`, `/uri-res/N2R?urn:sha1:…`, or any plain HTTP
 * URL), a magnet link (`xt`, `dn`, `xl`, `xs`, `as`; gtk-gnutella's `push://` sources),
 * or a `SearchHit`. Input is capped and malformed input raises a ConfigError with a code.
 */
import { ConfigError } from '../../core/errors.js';
import type { SearchHit } from '../../routing/types.js';
import { normaliseSha1Urn } from '../../share/base32.js';
import type { DirectSource, DownloadSource, PushSource } from './types.js';

/** Longest hit URL accepted. */
export const MAX_URL_LENGTH = 4096;
/** Longest magnet link accepted. */
export const MAX_MAGNET_LENGTH = 16 * 1024;
/** Parameters read from one magnet; the rest are ignored. */
export const MAX_MAGNET_PARAMS = 128;
/** Sources (xs/as) kept from one magnet. */
export const MAX_MAGNET_SOURCES = 32;
/** Push proxies kept from one `push://` URL. */
export const MAX_PUSH_PROXIES = 8;

const HEX32_RE = /^[0-9a-fA-F]{32}$/;
const DECIMAL_RE = /^\d{1,16}$/;

export interface ParsedTarget {
  readonly sources: DownloadSource[];
  readonly urn?: string;
  readonly name?: string;
  readonly size?: number;
}

/** Stable identity of a source: one holder is one source whatever path it was named with. */
export function sourceKey(s: DownloadSource): string {
  return s.kind === 'direct'
    ? `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`
    : `push:${s.serventId}`;
}

function bad(code: string, message: string): ConfigError {
  return new ConfigError(code, message);
}

/** Lenient percent-decoding: a malformed escape is kept literally. */
function decodeLenient(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** File index and name from `/get/<index>/<name>`, or undefined. */
function parseGetPath(pathname: string): { index: number; name: string } | undefined {
  const m = /^\/get\/(\d{1,10})\/(.*?)\/?$/.exec(pathname);
  if (m === null) return undefined;
  const index = Number(m[1]);
  if (index > 0xffffffff) return undefined;
  return { index, name: decodeLenient(m[2] ?? '') };
}

/** `urn:sha1:…` from a `/uri-res/N2R?urn:sha1:…` request target, or undefined. */
function parseUriRes(pathname: string, search: string): string | undefined {
  if (pathname.toLowerCase() !== '/uri-res/n2r') return undefined;
  return normaliseSha1Urn(decodeLenient(search.replace(/^\?/, '')));
}

/** Parses an `http://host[:port]/…` URL naming a file on a servent or a plain web server. */
export function parseHitUrl(text: string): ParsedTarget & { sources: [DirectSource] } {
  if (text.length > MAX_URL_LENGTH) throw bad('E_URL_TOO_LONG', `URL longer than ${MAX_URL_LENGTH}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('E_BAD_URL', `not a URL: ${text.slice(0, 80)}`);
  }
  if (url.protocol !== 'http:') throw bad('E_BAD_URL', `unsupported scheme ${url.protocol}`);
  if (url.hostname === '') throw bad('E_BAD_URL', 'URL has no host');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 80 : Number(url.port);
  const path = `${url.pathname}${url.search}`;
  const get = parseGetPath(url.pathname);
  const urn = parseUriRes(url.pathname, url.search);
  const source: DirectSource = get
    ? { kind: 'direct', host, port, path, index: get.index }
    : { kind: 'direct', host, port, path };
  let name: string | undefined = get?.name;
  if (name === undefined && urn === undefined) {
    const last = url.pathname.split('/').pop() ?? '';
    if (last !== '') name = decodeLenient(last);
  }
  return {
    sources: [source],
    ...(urn !== undefined ? { urn } : {}),
    ...(name !== undefined && name !== '' ? { name } : {}),
  };
}

/**
 * `push://<32 hex servent ID>` followed by zero or more `:<host>:<port>`, then `/<path>`
 * (gtk-gnutella magnets). Hosts may be
 * bracketed IPv6. The path only contributes a file index when it is `/get/<index>/…`.
 */
export function parsePushUrl(text: string, name: string): PushSource {
  const m = /^push:\/\/([^/]*)(\/.*)?$/i.exec(text);
  if (m === null) throw bad('E_BAD_PUSH_URL', 'not a push:// URL');
  const authority = m[1] ?? '';
  const guid = authority.slice(0, 32);
  if (!HEX32_RE.test(guid)) throw bad('E_BAD_PUSH_URL', 'push:// URL without a 32-hex servent ID');
  const proxies: { host: string; port: number }[] = [];
  let rest = authority.slice(32);
  while (rest.length > 0 && proxies.length < MAX_PUSH_PROXIES) {
    const pm = /^:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})/.exec(rest);
    if (pm === null) throw bad('E_BAD_PUSH_URL', 'malformed push proxy list');
    const port = Number(pm[2]);
    if (port < 1 || port > 65535) throw bad('E_BAD_PUSH_URL', 'push proxy port out of range');
    proxies.push({ host: (pm[1] ?? '').replace(/^\[(.*)\]$/, '$1'), port });
    rest = rest.slice(pm[0].length);
  }
  const get = parseGetPath((m[2] ?? '').split('?')[0] ?? '');
  return {
    kind: 'push',
    serventId: guid.toLowerCase(),
    index: get?.index ?? 0,
    name: get?.name || name,
    ...(proxies.length > 0 ? { proxies } : {}),
  };
}

/** Parses a magnet link. Sources it cannot use (other schemes) are skipped, not fatal. */
export function parseMagnet(text: string): ParsedTarget {
  if (text.length > MAX_MAGNET_LENGTH)
    throw bad('E_MAGNET_TOO_LONG', `magnet longer than ${MAX_MAGNET_LENGTH}`);
  if (!/^magnet:\?/i.test(text)) throw bad('E_BAD_MAGNET', 'not a magnet link');
  const params = text.slice(text.indexOf('?') + 1).split('&');
  let urn: string | undefined;
  let name: string | undefined;
  let size: number | undefined;
  const locations: string[] = [];
  for (const p of params.slice(0, MAX_MAGNET_PARAMS)) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const key = p
      .slice(0, eq)
      .toLowerCase()
      .replace(/\.\d+$/, '');
    const raw = p.slice(eq + 1);
    const value = decodeLenient(key === 'dn' ? raw.replace(/\+/g, ' ') : raw);
    switch (key) {
      case 'xt':
        urn ??= normaliseSha1Urn(value);
        break;
      case 'dn':
        name ??= value;
        break;
      case 'xl':
        if (!DECIMAL_RE.test(value)) throw bad('E_BAD_MAGNET', `bad xl: ${value.slice(0, 20)}`);
        size ??= Number(value);
        break;
      case 'xs':
      case 'as':
        locations.push(value);
        break;
      default:
        break;
    }
  }
  const sources: DownloadSource[] = [];
  const seen = new Set<string>();
  for (const loc of locations) {
    if (sources.length >= MAX_MAGNET_SOURCES) break;
    let s: DownloadSource | undefined;
    let locName: string | undefined;
    if (/^http:\/\//i.test(loc)) {
      const t = parseHitUrl(loc);
      s = t.sources[0];
      locName = t.name;
      urn ??= t.urn;
    } else if (/^push:\/\//i.test(loc)) {
      s = parsePushUrl(loc, name ?? '');
    }
    if (s === undefined) continue;
    name ??= locName;
    const key = sourceKey(s);
    if (seen.has(key)) continue;
    seen.add(key);
    sources.push(s);
  }
  if (urn === undefined && sources.length === 0)
    throw bad('E_BAD_MAGNET', 'magnet names neither a urn:sha1 nor a source');
  return {
    sources,
    ...(urn !== undefined ? { urn } : {}),
    ...(name !== undefined && name !== '' ? { name } : {}),
    ...(size !== undefined ? { size } : {}),
  };
}

/** A hit becomes a push source when its holder is firewalled, else a direct one. */
export function sourceFromHit(hit: SearchHit): DownloadSource {
  const { holder, file } = hit;
  if (holder.needsPush) {
    return {
      kind: 'push',
      serventId: holder.serventId.toLowerCase(),
      index: file.index,
      name: file.name,
      hit,
    };
  }
  const urn = file.urn !== undefined ? normaliseSha1Urn(file.urn) : undefined;
  const path =
    urn !== undefined ? `/uri-res/N2R?${urn}` : `/get/${file.index}/${encodeURIComponent(file.name)}`;
  return {
    kind: 'direct',
    host: holder.ip,
    port: holder.port,
    path,
    serventId: holder.serventId.toLowerCase(),
    index: file.index,
    hit,
  };
}

/** Parses a hit URL or a magnet link, whichever `text` is. */
export function parseTarget(text: string): ParsedTarget {
  const t = text.trim();
  if (/^magnet:/i.test(t)) return parseMagnet(t);
  return parseHitUrl(t);
}
