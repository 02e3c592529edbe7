export * from './print-queue.js';
export * from './print-store.js';
