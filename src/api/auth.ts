/**
 * Who may use the control API.
 *
 * - Without a token the API only binds loopback addresses, and only answers requests whose
 *   `Host` names a loopback address: a web page elsewhere cannot reach it through DNS
 *   rebinding (its requests would carry its own host name).
 * - With a token (`--api-token`) it may bind any address, and every request must carry the
 *   token: `Authorization: Bearer <token>`, or `?token=<token>` (the page's first load and
 *   EventSource, which cannot set headers), or the cookie the server sets after a valid
 *   `?token=` (so the page's scripts and style sheets, fetched by the browser, carry it).
 *   The cookie is HttpOnly and SameSite=Strict: other sites' pages never send it.
 * - Either way, a state-changing request (POST, DELETE, …) that carries an `Origin` header
 *   must come from the API's own origin: no cross-site form can start a download.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { ConfigError } from '../core/errors.js';

export const TOKEN_COOKIE = 'servent_api_token';
/** Shortest token accepted: a guessable token on a LAN is no protection. */
export const MIN_TOKEN_LENGTH = 16;

/** 127.0.0.0/8, ::1, `localhost` (with or without IPv6 brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Throws when the API must not bind `host` (non-loopback without a token, weak token). */
export function checkBind(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(
      'E_API_WEAK_TOKEN',
      `--api-token must be at least ${MIN_TOKEN_LENGTH} characters (try: openssl rand -hex 16)`,
    );
  }
  if (!isLoopbackHost(host) && token === undefined) {
    throw new ConfigError(
      'E_API_NOT_LOOPBACK',
      `refusing to serve the control API on ${host} without --api-token: anyone on the network could use it`,
    );
  }
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The hostname part of a `Host` header value (`[::1]:7346` → `::1`). */
export function hostOfHeader(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^\[([^\]]*)\](?::\d*)?$/.exec(value);
  if (m !== null) return m[1];
  const i = value.lastIndexOf(':');
  return i >= 0 && value.indexOf(':') === i ? value.slice(0, i) : value;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface PresentedCredentials {
  authorization?: string | undefined;
  queryToken?: string | undefined;
  cookie?: string | undefined;
}

/** The token a request carries, whichever way; undefined when none. */
export function presentedToken(c: PresentedCredentials): string | undefined {
  const auth = c.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m !== null) return m[1];
  }
  if (c.queryToken !== undefined && c.queryToken !== '') return c.queryToken;
  return cookieValue(c.cookie, TOKEN_COOKIE);
}

/** `Set-Cookie` value that lets the page's own asset requests carry the token. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}

/** True when `origin` (an `Origin` header) is the API's own origin as named by `host`. */
export function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.host.toLowerCase() === host.toLowerCase();
}
