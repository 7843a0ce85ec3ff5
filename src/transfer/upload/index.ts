export { buildHttpApp, uploadStats, type HttpAppOptions } from './app.js';
export { handOff, serveAfterGiv, formatGivLine } from './hand-off.js';
export { BROWSE_CONTENT_TYPE, type BrowseSource } from './browse.js';
export {
  verifyIndexedFile,
  isInsideRoot,
  type UploadFile,
  type UploadLibrary,
  type VerifyFn,
  type VerifyResult,
} from './library.js';
export {
  parseRangeHeader,
  resolveSpec,
  decideRange,
  DEFAULT_RANGE_CAPS,
  type RangeCaps,
  type RangeSpec,
  type ByteRange,
  type RangeDecision,
} from './range.js';
export { UploadSlots, type UploadSlot, type SlotAnswer, type SlotStats } from './slots.js';
export { TokenBucket } from './rate-limit.js';
export type { UploadStats } from './uploader.js';
