/**
 * `servent search WORDS --api HOST:PORT`: the running servent searches and this command
 * prints its hits as they arrive on the search's event stream. The search runs on the
 * servent for `timeoutS`; Ctrl-C stops it there too.
 */
import type { SearchHit } from '../routing/types.js';
import { ApiClient } from './client.js';

export interface SearchThroughApiOptions {
  readonly api: { readonly host: string; readonly port: number };
  readonly token?: string;
  readonly text: string;
  readonly urn?: string;
  readonly ttl?: number;
  readonly timeoutS: number;
}

/** Resolves with the number of hits printed. */
export async function searchThroughApi(
  o: SearchThroughApiOptions,
  onHit: (h: SearchHit) => void,
): Promise<number> {
  const client = new ApiClient({ ...o.api, ...(o.token !== undefined ? { token: o.token } : {}) });
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  let n = 0;
  try {
    const q = {
      text: o.text,
      timeoutS: o.timeoutS,
      ...(o.urn !== undefined ? { urn: o.urn } : {}),
      ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
    };
    for await (const h of client.search(q, stop.signal)) {
      n++;
      onHit(h);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return n;
}
