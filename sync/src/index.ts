export * from './client/index.js';
export * from './protocol.js';
export * from './server/index.js';
