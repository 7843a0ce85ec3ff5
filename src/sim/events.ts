/**
 * Event kinds of the simulator, in one place so that no two components claim the same
 * number. Each kind has exactly one handler (registered by the component named here).
 */
export { EV_TIMER } from './sim-clock.js';

/** network: a message reaches `target` from `aux` (payload: the message) */
export const EV_DELIVER = 2;
/** network: a link to `aux` is up at `target` */
export const EV_PEER_UP = 3;
/** network: the link to `aux` is down at `target` */
export const EV_PEER_DOWN = 4;
/** simulation: a driver callback (churn, workload, sampling); payload: () => void */
export const EV_CALL = 5;
