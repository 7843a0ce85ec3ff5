// The control API and the web page (see README § Control API).
export { buildApiApp, API_BODY_LIMIT, PUBLIC_DIR, type ApiAppOptions } from './app.js';
export {
  startApiServer,
  defaultApiAddress,
  API_PORT_OFFSET,
  type ApiServer,
  type ApiServerOptions,
} from './server.js';
export { checkBind, isLoopbackHost, MIN_TOKEN_LENGTH, TOKEN_COOKIE } from './auth.js';
export { API_ERRORS, ApiError, type ApiErrorCode, type ApiErrorBody } from './errors.js';
export { SEARCH_LIMITS, type SearchLimits, type ApiHit, type ApiSearchEnd } from './search-registry.js';
export { DOWNLOAD_REGISTRY_LIMITS, type DownloadRegistryLimits } from './download-registry.js';
export { SSE_DEFAULTS } from './sse.js';
export type { DownloadView, PeerView, SearchSummaryView, UploadsView } from './views.js';
export { ApiClient, ApiRequestError, parseApiAddress, readSse, type ApiClientOptions } from './client.js';
export { getThroughApi, type GetThroughApiOptions } from './cli-get.js';
export { searchThroughApi, type SearchThroughApiOptions } from './cli-search.js';
