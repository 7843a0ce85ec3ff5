/* global fetch, EventSource, location, history, URL */
/**
 * Talks to the control API of the servent that served this page. A `?token=` in the page's
 * address has already been turned into a cookie by the server; it is removed from the
 * address bar so it does not end up in screenshots or bookmarks.
 */

const url = new URL(location.href);
if (url.searchParams.has('token')) {
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** JSON request; resolves with the body (undefined for 204), rejects with ApiError. */
export async function api(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError('E_NETWORK', `the servent does not answer (${e.message})`, 0);
  }
  if (res.status === 204) return undefined;
  const text = await res.text();
  let data;
  try {
    data = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError('E_BAD_ANSWER', `${method} ${path}: not JSON`, res.status);
  }
  if (!res.ok) {
    const err = data && data.error;
    throw new ApiError(
      err ? err.code : `E_HTTP_${res.status}`,
      err ? err.message : `HTTP ${res.status}`,
      res.status,
    );
  }
  return data;
}

/** A search's event stream (cookies carry the token, if any). */
export function searchEvents(id) {
  return new EventSource(`/api/searches/${encodeURIComponent(id)}/events`);
}
