/** What every route module of the control API receives. */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { Servent } from '../servent.js';
import type { DownloadRegistry } from './download-registry.js';
import type { SearchRegistry } from './search-registry.js';
import type { SSE_DEFAULTS } from './sse.js';

export interface ApiContext {
  readonly servent: Servent;
  readonly searches: SearchRegistry;
  readonly downloads: DownloadRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  /** clock time the API app was built */
  readonly startedAt: number;
  readonly sse: Partial<typeof SSE_DEFAULTS>;
}
