export * from './order-status.js';
export { type OrderView, RECEIVE_TIMEOUT_MS } from './orders.js';
export * from './schema.js';
export * from './service.js';
