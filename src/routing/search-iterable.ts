import type { Router, SearchHit, SearchRequest } from './types.js';

/**
 * Adapts the callback search API to an async iterable: hits are buffered until the
 * consumer pulls them; aborting the signal (or breaking out of the loop) cancels the
 * search so that no more traffic is sent for it.
 */
export async function* searchIterable(
  router: Pick<Router, 'startSearch'>,
  q: SearchRequest,
  signal: AbortSignal,
): AsyncGenerator<SearchHit> {
  if (signal.aborted) return;
  const queue: SearchHit[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const handle = router.startSearch(q, {
    hit(h) {
      queue.push(h);
      notify();
    },
    end() {
      ended = true;
      notify();
    },
  });
  const onAbort = (): void => {
    ended = true;
    handle.cancel();
    notify();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (ended || signal.aborted) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    handle.cancel();
  }
}
