export * from './routes.js';
export * from './schema.js';
export * from './service.js';
