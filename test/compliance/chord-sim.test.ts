import { chordBackend } from '../../src/sim/backends/chord.js';
import { simComplianceFactory } from '../sim/compliance-net.js';
import { routerCompliance } from './router.js';

// The real Chord router in the simulator: 16 nodes joining through node 0 at time 0
// (no pre-built ring), 1–5 ms links, fast maintenance so the ring forms in the warm-up.
// Soft state: pointers live 4 s unless re-published every 1 s.
const params = {
  stable: false,
  idBits: 160,
  stabilizeMs: 100,
  fixFingersMs: 100,
  checkPredecessorMs: 200,
  rpcTimeoutMs: 100,
  joinRetryMs: 100,
  republishMs: 1000,
  pointerTtlMs: 4000,
  sweepMs: 250,
};

routerCompliance('chord in the simulator', simComplianceFactory(chordBackend, { params, warmupMs: 10_000 }), {
  softStateExpiryMs: 4500,
  settleMs: 1000,
  searchMs: 1000,
});
