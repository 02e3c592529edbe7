export * from './code-pages.js';
export * from './decoder.js';
export * from './document.js';
export * from './drawer-status.js';
export * from './kitchen-ticket.js';
export * from './receipt.js';
export * from './shift-report.js';
