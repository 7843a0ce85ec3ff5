export * from './clock.js';
export * from './rng.js';
export * from './errors.js';
export * from './log.js';
export * from './bytes.js';
export * from './keywords.js';
export * from './format.js';
