export * from './auth/index.js';
export * from './cloud.js';
export * from './config.js';
export * from './gateway/index.js';
export * from './loyalty/index.js';
export * from './menu/index.js';
export * from './notification/index.js';
export * from './online/index.js';
