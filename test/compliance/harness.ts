/**
 * What the Router compliance suite needs from a network of routers. Each back-end runs
 * the suite over several harnesses (an in-process link network, the simulator, real TCP
 * servents); keep this interface stable.
 */
import type { Router } from '../../src/routing/types.js';

export interface ComplianceNet {
  readonly size: number;
  router(i: number): Router;
  /** the holder address node i advertises (what hits must carry) */
  holderOf(i: number): { ip: string; port: number; serventId: string };
  /** advance (simulated or manual) time by ms, delivering messages */
  advance(ms: number): Promise<void>;
  /** crash node i: it stops answering, no goodbye */
  kill(i: number): Promise<void>;
  /** messages sent network-wide so far */
  messagesSent(): number;
  close(): Promise<void>;
}

export type ComplianceNetFactory = (opts: { size: number; seed: number }) => Promise<ComplianceNet>;
