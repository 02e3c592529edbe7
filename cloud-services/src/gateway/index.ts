export * from './proxy.js';
export * from './routes.js';
export * from './service.js';
