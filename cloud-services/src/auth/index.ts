export * from './schema.js';
export * from './service.js';
