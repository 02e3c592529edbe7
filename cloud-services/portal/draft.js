// The menu draft as the portal holds it: the copy last saved on the server and the copy being
// edited. Edits change the working copy in place, so every field the portal does not edit
// (schedules, price overrides, allergens, variants, SKUs…) goes back to the server untouched.

import { api } from './lib.js';

const clone = (value) => structuredClone(value);

export const draft = {
  /** What the server has. */
  saved: undefined,
  /** What the manager is editing; `undefined` until first loaded. */
  working: undefined,

  async load({ force = false } = {}) {
    if (this.working && !force) return this.working;
    const fresh = await api('GET', '/api/v1/menu/draft');
    this.saved = fresh;
    this.working = clone(fresh);
    return this.working;
  },

  get dirty() {
    return (
      this.working !== undefined && JSON.stringify(this.working) !== JSON.stringify(this.saved)
    );
  },

  /** Send the whole working copy; what the server stored becomes both copies. */
  async save() {
    const stored = await api('PUT', '/api/v1/menu/draft', this.working);
    this.saved = stored;
    this.working = clone(stored);
    return stored;
  },

  /** Save one item on its own (a quick price change), leaving other edits unsaved. */
  async saveItem(item) {
    const known = this.saved.items.some((i) => i.id === item.id);
    const stored = known
      ? await api('PUT', `/api/v1/menu/items/${encodeURIComponent(item.id)}`, item)
      : await api('POST', '/api/v1/menu/items', item);
    const items = known
      ? this.saved.items.map((i) => (i.id === item.id ? clone(stored) : i))
      : [...this.saved.items, clone(stored)];
    this.saved = { ...this.saved, items };
    return stored;
  },

  discard() {
    this.working = clone(this.saved);
  },

  /** Publish what is on screen: unsaved edits are saved first. */
  async publish(storeIds) {
    if (this.dirty) await this.save();
    return api('POST', '/api/v1/menu/publish', { storeIds });
  },
};

/** The newest published version, or `undefined` when nothing has been published yet. */
export async function latestVersion() {
  const { versions } = await api('GET', '/api/v1/menu/versions');
  if (versions.length === 0) return undefined;
  return api('GET', `/api/v1/menu/versions/${versions[0].version}`);
}

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What publishing `next` would change for guests, item by item, against `published`: the same
 * comparison the menu service makes between two versions, plus the old and new price.
 */
export function changesBetween(published, next) {
  const before = new Map((published?.items ?? []).map((i) => [i.id, i]));
  const after = new Map(next.items.map((i) => [i.id, i]));
  const added = next.items.filter((i) => !before.has(i.id));
  const removed = [...before.values()].filter((i) => !after.has(i.id));
  const priceChanged = [];
  const otherChanged = [];
  for (const item of next.items) {
    const old = before.get(item.id);
    if (!old) continue;
    if (old.priceCents !== item.priceCents)
      priceChanged.push({ item, from: old.priceCents, to: item.priceCents });
    const fields = Object.keys({ ...old, ...item }).filter(
      (k) => k !== 'priceCents' && !sameJson(old[k], item[k]),
    );
    if (fields.length > 0) otherChanged.push({ item, fields: fields.sort() });
  }
  const structure = ['categories', 'modifierGroups', 'stations', 'taxCategories'].filter(
    (k) => published && !sameJson(published[k] ?? [], next[k] ?? []),
  );
  return { added, removed, priceChanged, otherChanged, structure };
}
