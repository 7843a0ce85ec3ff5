// Upload side (HTTP on the servent's port).
export * from './upload/index.js';
