import type { HubModule } from './hub.js';

/** The modules the hub runs, in start order. */
export function hubModules(): HubModule[] {
  return [];
}
