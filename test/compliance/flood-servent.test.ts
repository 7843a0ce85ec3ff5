import { routerCompliance } from './router.js';
import { serventNetFactory } from './servent-net.js';

// The same suite over real servents on the in-memory transport (see servent-net.ts).
routerCompliance('flood over real servents (in-memory transport)', serventNetFactory, {
  softStateExpiryMs: 0,
  settleMs: 300,
  searchMs: 600,
  size: 12,
});
