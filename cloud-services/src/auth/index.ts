export * from './auth-service.js';
export * from './keys.js';
export * from './oauth.js';
export * from './passwords.js';
export * from './schema.js';
export * from './service.js';
export * from './staff.js';
