/**
 * A client of the control API, for `servent search --api` and `servent get --api`: the
 * command line and the page are two faces of the same running servent. Uses Node's fetch;
 * a search's hits come from its Server-Sent Events stream.
 */
import { parseHostPort } from '../core/bytes.js';
import { ConfigError, ServentError } from '../core/errors.js';
import type { ApiHit, ApiSearchEnd } from './search-registry.js';
import type { DownloadView, SearchSummaryView } from './views.js';

export interface ApiClientOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
}

/** An error answer of the API, with its catalogue code. */
export class ApiRequestError extends ServentError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
    this.name = 'ApiRequestError';
  }
}

/** `HOST:PORT` or `http://HOST:PORT[/]`. */
export function parseApiAddress(text: string): { host: string; port: number } {
  const t = text
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/.*$/, '');
  const hp = parseHostPort(t);
  if (hp === undefined) throw new ConfigError('E_BAD_ADDRESS', `--api: expected HOST:PORT, got "${text}"`);
  return hp;
}

export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/** Splits a text/event-stream body into events (comments and `retry:` lines are skipped). */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      if (data.length > 0) yield { event, data: data.join('\n'), id };
    }
  }
}

export interface SearchOptions {
  readonly text: string;
  readonly urn?: string;
  readonly ttl?: number;
  readonly timeoutS?: number;
  readonly maxHits?: number;
}

const FINAL_STATES = new Set(['done', 'failed', 'cancelled']);

export class ApiClient {
  readonly base: string;

  constructor(private readonly opts: ApiClientOptions) {
    const h = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    this.base = `http://${h}:${opts.port}`;
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.fetch(path, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiRequestError('E_API_BAD_ANSWER', `${method} ${path}: answer is not JSON`, res.status);
    }
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiRequestError(
        err?.code ?? `E_HTTP_${res.status}`,
        err?.message ?? `${method} ${path}: HTTP ${res.status}`,
        res.status,
      );
    }
    return parsed as T;
  }

  status(): Promise<Record<string, unknown>> {
    return this.request('GET', '/api/status');
  }

  startSearch(q: SearchOptions, signal?: AbortSignal): Promise<SearchSummaryView> {
    return this.request<SearchSummaryView>('POST', '/api/searches', q, signal);
  }

  /** Yields a search's hits from its event stream; returns how it ended (undefined: stream cut). */
  async *events(id: string, signal?: AbortSignal): AsyncGenerator<ApiHit, ApiSearchEnd | undefined> {
    const res = await this.fetch(`/api/searches/${id}/events`, {
      headers: { Accept: 'text/event-stream' },
      ...(signal !== undefined ? { signal } : {}),
    });
    if (!res.ok || res.body === null) {
      throw new ApiRequestError(
        'E_API_STREAM',
        `search ${id}: event stream answered HTTP ${res.status}`,
        res.status,
      );
    }
    try {
      for await (const ev of readSse(res.body)) {
        if (ev.event === 'hit') yield JSON.parse(ev.data) as ApiHit;
        else if (ev.event === 'end') return (JSON.parse(ev.data) as { reason: ApiSearchEnd }).reason;
      }
    } catch (e) {
      if (!(signal?.aborted ?? false)) throw e;
    }
    return undefined;
  }

  /**
   * Starts a search on the servent and yields its hits as they arrive; returns how it
   * ended. Aborting `signal` (or leaving the loop early) stops the search on the servent.
   */
  async *search(q: SearchOptions, signal?: AbortSignal): AsyncGenerator<ApiHit, ApiSearchEnd | undefined> {
    const s = await this.startSearch(q, signal);
    let reason: ApiSearchEnd | undefined;
    try {
      reason = yield* this.events(s.id, signal);
      return reason;
    } finally {
      // stopped by the caller: stop the search on the servent too (best effort)
      if (reason === undefined)
        await this.request('POST', `/api/searches/${s.id}/stop`).catch(() => undefined);
    }
  }

  startDownload(
    body: { target: string } | { hit: ApiHit } | { search: string; hit: number },
  ): Promise<{ download: DownloadView; created: boolean; added: number }> {
    return this.request('POST', '/api/downloads', body);
  }

  download(id: string): Promise<DownloadView> {
    return this.request('GET', `/api/downloads/${id}`);
  }

  cancelDownload(id: string): Promise<DownloadView> {
    return this.request('POST', `/api/downloads/${id}/cancel`);
  }

  /** Polls a download until it is done, failed or cancelled; yields each snapshot. */
  async *follow(id: string, everyMs = 500, signal?: AbortSignal): AsyncGenerator<DownloadView> {
    for (;;) {
      const d = await this.download(id);
      yield d;
      if (FINAL_STATES.has(d.state) || (signal?.aborted ?? false)) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, everyMs);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  private async fetch(
    path: string,
    init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> },
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.opts.token !== undefined) headers['Authorization'] = `Bearer ${this.opts.token}`;
    try {
      return await fetch(`${this.base}${path}`, { ...init, headers });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ConfigError(
        'E_API_UNREACHABLE',
        `cannot reach the control API at ${this.base}: ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`,
      );
    }
  }
}
