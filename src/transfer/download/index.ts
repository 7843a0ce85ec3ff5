/** The downloader: resumable, verified, multi-source downloads (see engine.ts). */
export { startDownload } from './engine.js';
export {
  parseHitUrl,
  parseMagnet,
  parsePushUrl,
  parseTarget,
  sourceFromHit,
  sourceKey,
} from './source-parse.js';
export type { ParsedTarget } from './source-parse.js';
export { sanitiseName, numberedName } from './file-name.js';
export { parseResponseHead, RESPONSE_HEAD_DEFAULTS } from './http-response.js';
export type { ResponseHead, ResponseHeadLimits } from './http-response.js';
export { HttpClientConnection, HttpStatusError } from './http-client.js';
export { tcpConnect } from './connect.js';
export { bestHitGroup, groupHits, type HitGroup } from './hit-groups.js';
export { DOWNLOAD_DEFAULTS } from './types.js';
export type {
  Connector,
  DirectSource,
  Download,
  DownloadEvents,
  DownloadLimits,
  DownloadOptions,
  DownloadProgress,
  DownloadResult,
  DownloadSource,
  DownloadState,
  PushSource,
  SourceEvent,
  SourceStatus,
} from './types.js';
