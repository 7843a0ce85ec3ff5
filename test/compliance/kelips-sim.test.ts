import { kelipsBackend } from '../../src/sim/backends/kelips.js';
import { simComplianceFactory } from '../sim/compliance-net.js';
import { routerCompliance } from './router.js';

// The real Kelips router in the simulator: 16 nodes joining through random earlier nodes
// at time 0 (no installed state), k = 4, 1–5 ms links, 500 ms gossip rounds so that the
// views fill during the warm-up. Soft state: tuples live 4 s unless re-announced every 1 s.
const params = {
  install: 'join',
  groups: 4,
  roundMs: 500,
  rpcTimeoutMs: 100,
  joinRetryMs: 200,
  republishMs: 1000,
  tupleTimeoutMs: 4000,
  sweepMs: 250,
};

routerCompliance(
  'kelips in the simulator',
  simComplianceFactory(kelipsBackend, { params, warmupMs: 20_000 }),
  {
    softStateExpiryMs: 4500,
    settleMs: 2000,
    searchMs: 1000,
  },
);
