export type {
  Hasher,
  ShareChange,
  ShareLibrary,
  ShareLibraryOptions,
  ShareQuery,
  ShareTotals,
  SharedFile,
} from './types.js';
export { openShareLibrary } from './library.js';
export { ensureDefaultShare, SHARE_DEFAULTS } from './options.js';
export { keywordsOfPath } from './keyword-index.js';
export { sha1File } from './sha1.js';
export { sha1Urn, normaliseSha1Urn } from './base32.js';
export { verifyServable, openServable } from './verify.js';
export type { Servable, ServableHandle } from './verify.js';
export { HASH_CACHE_FILE } from './hash-cache.js';
