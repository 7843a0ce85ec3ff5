/**
 * Values of the reverse-path table. The seen-cache maps a request's (GUID, type) to where
 * its replies go: the link it came in on, LOCAL for our own requests, DEAD for our
 * searches that ended (their late hits are dropped here instead of being delivered).
 */
import type { PeerId } from '../types.js';

export const LOCAL = 0;
export const DEAD = -1;
export type Route = PeerId | typeof LOCAL | typeof DEAD;
