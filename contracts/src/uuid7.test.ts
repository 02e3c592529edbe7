import { describe, expect, it } from 'vitest';
import { isUuid } from './brand.js';
import { uuidv7 } from './uuid7.js';

describe('uuidv7', () => {
  it('makes valid version-7 UUIDs that sort in the order they were made', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7());
    for (const id of ids.slice(0, 50)) {
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe('7');
      expect(['8', '9', 'a', 'b']).toContain(id[19]);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carries the time it was made in its first 48 bits', () => {
    const at = Date.UTC(2026, 10, 24, 12, 0, 0);
    const id = uuidv7(at + 10_000_000);
    const ms = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(at + 10_000_000);
  });
});
