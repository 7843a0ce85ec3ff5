/**
 * JSON schemas of the control API's bodies, queries and answers. Fastify validates every
 * request against them (a failure is a 400 E_API_BAD_REQUEST naming the field) and
 * serialises every answer through them (a field missing from a schema is never sent).
 */

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;

export const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[0-9]{1,9}$' } },
} as const;

export const ADDRESS = {
  type: 'object',
  required: ['ip', 'port'],
  properties: { ip: str, port: int },
} as const;

// ---- searches -------------------------------------------------------------------------

export const HIT = {
  type: 'object',
  required: ['holder', 'file', 'hops', 'backend'],
  additionalProperties: false,
  properties: {
    id: int,
    holder: {
      type: 'object',
      required: ['ip', 'port', 'serventId', 'needsPush'],
      additionalProperties: false,
      properties: {
        ip: { type: 'string', format: 'ipv4' },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        serventId: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
        needsPush: bool,
      },
    },
    file: {
      type: 'object',
      required: ['index', 'name', 'size'],
      additionalProperties: false,
      properties: {
        index: { type: 'integer', minimum: 0, maximum: 4294967295 },
        name: { type: 'string', minLength: 1, maxLength: 1024 },
        size: { type: 'integer', minimum: 0 },
        urn: { type: 'string', maxLength: 64 },
      },
    },
    hops: { type: 'integer', minimum: 0, maximum: 255 },
    speed: { type: 'integer', minimum: 0 },
    vendor: { type: 'string', maxLength: 4 },
    backend: { type: 'string', maxLength: 32 },
  },
} as const;

export const SEARCH_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    text: { type: 'string', maxLength: 256 },
    urn: { type: 'string', maxLength: 64 },
    ttl: { type: 'integer', minimum: 1, maximum: 16 },
    maxHits: { type: 'integer', minimum: 1 },
    timeoutS: { type: 'number', exclusiveMinimum: 0 },
  },
} as const;

export const SEARCH_SUMMARY = {
  type: 'object',
  required: ['id', 'text', 'state', 'hits', 'startedAt'],
  properties: {
    id: str,
    text: str,
    urn: str,
    state: { type: 'string', enum: ['running', 'ended'] },
    endReason: str,
    hits: int,
    startedAt: num,
    endedAt: num,
  },
} as const;

export const SEARCH_DETAIL = {
  type: 'object',
  required: [...SEARCH_SUMMARY.required, 'results'],
  properties: { ...SEARCH_SUMMARY.properties, results: { type: 'array', items: HIT } },
} as const;

export const EVENTS_QUERY = {
  type: 'object',
  properties: { after: { type: 'integer', minimum: 0 }, token: str },
} as const;

// ---- downloads ------------------------------------------------------------------------

export const DOWNLOAD_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** a hit of a search of this API: every hit of that search with the same urn is a source */
    search: { type: 'string', pattern: '^[0-9]{1,9}$' },
    hit: { anyOf: [{ type: 'integer', minimum: 1 }, HIT] },
    /** a magnet link or a hit URL */
    target: { type: 'string', minLength: 1, maxLength: 16384 },
  },
} as const;

export const DOWNLOAD = {
  type: 'object',
  required: ['id', 'name', 'state', 'bytes', 'rate', 'sources', 'createdAt'],
  properties: {
    id: str,
    name: str,
    urn: str,
    state: { type: 'string', enum: ['running', 'paused', 'verifying', 'done', 'failed', 'cancelled'] },
    bytes: int,
    size: int,
    rate: num,
    etaS: num,
    sources: { type: 'object', properties: { active: int, total: int } },
    sourceList: {
      type: 'array',
      items: { type: 'object', properties: { key: str, status: str, code: str, retryAt: num } },
    },
    path: str,
    partPath: str,
    verified: bool,
    error: { type: 'object', properties: { code: str, message: str } },
    createdAt: num,
    finishedAt: num,
  },
} as const;

export const DOWNLOAD_STARTED = {
  type: 'object',
  required: ['download', 'created', 'added'],
  properties: { download: DOWNLOAD, created: bool, added: int },
} as const;

export const DISCARD_QUERY = {
  type: 'object',
  properties: { discard: bool, token: str },
} as const;

// ---- library, peers, hosts, status -----------------------------------------------------

export const LIBRARY_QUERY = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 256 },
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
    token: str,
  },
} as const;

export const SHARE_TOTALS = {
  type: 'object',
  properties: { files: int, bytes: int, hashed: int },
} as const;

export const LIBRARY = {
  type: 'object',
  required: ['total', 'offset', 'files', 'totals'],
  properties: {
    total: int,
    offset: int,
    totals: SHARE_TOTALS,
    files: {
      type: 'array',
      items: {
        type: 'object',
        properties: { index: int, name: str, relPath: str, size: int, urn: str },
      },
    },
  },
} as const;

export const PEER = {
  type: 'object',
  properties: {
    id: str,
    direction: { type: 'string', enum: ['in', 'out'] },
    remote: ADDRESS,
    listen: ADDRESS,
    userAgent: str,
    version: str,
    ultrapeer: bool,
    weAreLeaf: bool,
    compressed: bool,
    messagesIn: int,
    messagesOut: int,
    bytesIn: int,
    bytesOut: int,
    droppedIn: int,
    droppedOut: int,
    queuedBytes: int,
    congested: bool,
    connectedS: num,
  },
} as const;

export const HOST_BODY = {
  type: 'object',
  required: ['host', 'port'],
  additionalProperties: false,
  properties: {
    host: { type: 'string', format: 'ipv4' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    /** dial it now */
    connect: bool,
  },
} as const;

export const HOST_ADDED = {
  type: 'object',
  properties: { host: str, port: int, added: bool, connected: bool },
} as const;

export const PEER_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
} as const;

export const HOST = {
  type: 'object',
  properties: { host: str, port: int, source: str, lastSeen: num, failures: int, lastTried: num },
} as const;

const COUNTERS = { type: 'object', additionalProperties: num } as const;

export const ROUTER_STATS = {
  type: 'object',
  properties: {
    messagesSent: int,
    messagesReceived: int,
    bytesSent: int,
    bytesReceived: int,
    stateBytes: int,
    extra: COUNTERS,
  },
} as const;

export const UPLOADS = {
  type: 'object',
  required: ['available'],
  properties: {
    available: bool,
    perUpload: bool,
    slots: {
      type: 'object',
      properties: { total: int, active: int, queued: int, reserved: int, choked: int },
    },
    counters: COUNTERS,
  },
} as const;

export const STATUS = {
  type: 'object',
  properties: {
    serventId: str,
    userAgent: str,
    address: ADDRESS,
    firewalled: bool,
    leaf: bool,
    routing: str,
    uptimeS: num,
    peers: int,
    hosts: int,
    share: SHARE_TOTALS,
    router: ROUTER_STATS,
    traffic: {
      type: 'object',
      properties: { messagesIn: int, messagesOut: int, bytesIn: int, bytesOut: int, queuedBytes: int },
    },
    searches: { type: 'object', properties: { running: int, kept: int, streams: int } },
    downloads: { type: 'object', properties: { active: int, kept: int, dir: str } },
    uploads: UPLOADS,
  },
} as const;

export const OVERLAY = {
  type: 'object',
  properties: {
    self: {
      type: 'object',
      properties: { serventId: str, address: ADDRESS, routing: str, leaf: bool, firewalled: bool },
    },
    neighbours: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: str,
          address: ADDRESS,
          userAgent: str,
          direction: str,
          ultrapeer: bool,
          messagesIn: int,
          messagesOut: int,
        },
      },
    },
    /** back-end specific counters (ring or group state when the back-end reports it) */
    routerState: COUNTERS,
  },
} as const;
