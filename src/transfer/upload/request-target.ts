/**
 * What a request line asks for, decided from the raw request target (never from a
 * normalised URL: dot segments must not be resolved for anyone). Pure.
 *
 *   /get/<index>/<name>[/]          index: decimal u32; name: one percent-encoded segment
 *   /uri-res/N2R?urn:sha1:<base32>  (also urn:bitprint:<sha1>.<tiger>, downconverted)
 *
 * The name is only *compared* with the indexed file's name; no request text ever becomes
 * part of a file-system path.
 */

export type RequestTarget =
  | { readonly kind: 'index'; readonly index: number; readonly name: string }
  | { readonly kind: 'urn'; readonly urn: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Request targets longer than this are not looked at (Node's header cap is 16 KiB). */
export const MAX_TARGET_LENGTH = 4096;
const MAX_INDEX = 0xffffffff;
const INDEX_RE = /^[0-9]{1,10}$/;
const SHA1_RE = /^urn:sha1:([A-Za-z2-7]{32})$/i;
const BITPRINT_RE = /^urn:bitprint:([A-Za-z2-7]{32})\.[A-Za-z2-7]{39}$/i;

function invalid(reason: string): RequestTarget {
  return { kind: 'invalid', reason };
}

function decode(text: string): string | undefined {
  try {
    // decodeURIComponent rejects malformed escapes and overlong / surrogate UTF-8.
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Parses `/get/<index>/<name>[/]`; `rawTarget` is the request target as received. */
export function parseGetTarget(rawTarget: string): RequestTarget {
  if (rawTarget.length > MAX_TARGET_LENGTH) return invalid('target too long');
  const q = rawTarget.indexOf('?');
  const path = q < 0 ? rawTarget : rawTarget.slice(0, q);
  if (!path.startsWith('/get/')) return invalid('not /get/');
  const rest = path.slice('/get/'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return invalid('no name');
  const indexText = rest.slice(0, slash);
  let nameRaw = rest.slice(slash + 1);
  // 0.4 (Clip2) requests end with '/', 0.6 ones do not: accept exactly one.
  if (nameRaw.endsWith('/')) nameRaw = nameRaw.slice(0, -1);
  if (!INDEX_RE.test(indexText)) return invalid('bad index');
  const index = Number(indexText);
  if (index > MAX_INDEX) return invalid('bad index');
  if (nameRaw.length === 0 || nameRaw.includes('/')) return invalid('name is not one segment');
  const name = decode(nameRaw);
  if (name === undefined) return invalid('bad percent-encoding');
  return { kind: 'index', index, name };
}

/** Parses `/uri-res/N2R?<urn>`. */
export function parseN2rTarget(rawTarget: string): RequestTarget {
  if (rawTarget.length > MAX_TARGET_LENGTH) return invalid('target too long');
  const q = rawTarget.indexOf('?');
  if (q < 0) return invalid('no urn');
  if (rawTarget.slice(0, q) !== '/uri-res/N2R') return invalid('not N2R');
  const urnText = decode(rawTarget.slice(q + 1));
  if (urnText === undefined) return invalid('bad percent-encoding');
  const m = SHA1_RE.exec(urnText) ?? BITPRINT_RE.exec(urnText);
  const base32 = m?.[1];
  if (base32 === undefined) return invalid('not a sha1 urn');
  return { kind: 'urn', urn: `urn:sha1:${base32.toUpperCase()}` };
}

/** The request names the file iff its decoded name equals the indexed one (or does after NFC). */
export function nameMatches(requested: string, indexed: string): boolean {
  return requested === indexed || requested.normalize('NFC') === indexed.normalize('NFC');
}
