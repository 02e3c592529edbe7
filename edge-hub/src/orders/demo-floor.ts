import type { DiningTable } from './order-store.js';

/** The demo restaurant's floor: a dining room, a patio and the bar. */
export function demoFloor(): DiningTable[] {
  const room = Array.from({ length: 12 }, (_, i) => ({
    id: `T${i + 1}`,
    name: `Table ${i + 1}`,
    area: 'Dining room',
    seats: i < 4 ? 2 : i < 10 ? 4 : 8,
  }));
  const patio = Array.from({ length: 4 }, (_, i) => ({
    id: `P${i + 1}`,
    name: `Patio ${i + 1}`,
    area: 'Patio',
    seats: 4,
  }));
  const bar = Array.from({ length: 6 }, (_, i) => ({
    id: `B${i + 1}`,
    name: `Bar ${i + 1}`,
    area: 'Bar',
    seats: 1,
  }));
  return [...room, ...patio, ...bar];
}
