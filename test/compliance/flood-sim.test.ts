import { floodBackend } from '../../src/sim/backends/flood.js';
import { simComplianceFactory } from '../sim/compliance-net.js';
import { routerCompliance } from './router.js';

// The real flood router on a random 4-regular overlay in the simulator, 1–5 ms links.
// Flooding keeps no soft state about other nodes' files: a crashed node stops answering
// at once.
routerCompliance('flood in the simulator', simComplianceFactory(floodBackend), {
  softStateExpiryMs: 0,
  settleMs: 50,
  searchMs: 100,
});
