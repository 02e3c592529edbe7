export * from './brand.js';
export * from './ids.js';
export * from './money.js';
export * from './time.js';
