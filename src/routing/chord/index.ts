export { createChordRouter, ChordNode } from './node.js';
export { IdSpace, between, betweenRight, compareFrom } from './id.js';
export type { ChordId } from './id.js';
export { CHORD_DEFAULTS, MAX_VIRTUAL_NODES, resolveChordConfig } from './config.js';
export { lowerBound } from './stable.js';
export { searchKey } from './search.js';
export type * from './types.js';
