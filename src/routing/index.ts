/** The routing layer: the Router seam, the shared seen-cache and the back-ends (flood, chord). */
export * from './types.js';
export { searchIterable } from './search-iterable.js';
export {
  SeenCache,
  SEEN_CACHE_DEFAULTS,
  SEEN_CACHE_BYTES_PER_ENTRY,
  estimateSeenCacheBytes,
  guidTypeKey,
  idKey,
  type SeenCacheOptions,
} from './seen-cache.js';
export * from './flood/index.js';
export * from './chord/index.js';
