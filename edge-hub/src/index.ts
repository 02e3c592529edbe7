export * from './bus/broker.js';
export * from './bus/client.js';
export * from './bus/local-bus.js';
export * from './bus/topics.js';
export * from './bus/wiring.js';
export * from './config.js';
export * from './hub.js';
