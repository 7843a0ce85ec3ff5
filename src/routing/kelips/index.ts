/** The Kelips back-end: one-hop lookups over √n affinity groups kept by gossip. */
export { createKelipsRouter, KelipsNode } from './node.js';
export { KELIPS_DEFAULTS, resolveKelipsConfig, initialGroups, type KelipsConfig } from './config.js';
export { groupOf, groupsFor, hash32 } from './hash.js';
export { MEMBER_STATE_BYTES } from './membership.js';
export { TUPLE_STATE_FIXED, tupleStateBytes } from './tuples.js';
export type * from './types.js';
