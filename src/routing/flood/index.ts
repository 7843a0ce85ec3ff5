export { createFloodRouter } from './flood-router.js';
export { FLOOD_DEFAULTS, HARD_TTL_LIMIT, type FloodInit, type FloodRouter } from './init.js';
export { FloodCounters } from './counters.js';
export { markedKbytes } from './handlers.js';
