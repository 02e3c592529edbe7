// The guest's cart: what they chose, as the API's `CartInput` lines (item, size, modifiers,
// quantity, notes; never a price), kept in localStorage per store so a reload loses nothing.
// Prices shown here are an estimate from the menu; the server prices the order at checkout.

export const MAX_QUANTITY = 99;
export const MAX_NOTES = 200;

const key = (storeId) => `order.cart.${storeId}`;

export function loadCart(storeId) {
  try {
    const saved = JSON.parse(localStorage.getItem(key(storeId)) ?? 'null');
    if (saved && Array.isArray(saved.lines)) {
      return {
        orderType: saved.orderType === 'dine-in' ? 'dine-in' : 'pickup',
        tableId: typeof saved.tableId === 'string' ? saved.tableId : undefined,
        lines: saved.lines.filter((l) => l && typeof l.menuItemId === 'string'),
      };
    }
  } catch {
    // A damaged entry: start again.
  }
  return { orderType: 'pickup', tableId: undefined, lines: [] };
}

export function saveCart(storeId, cart) {
  localStorage.setItem(key(storeId), JSON.stringify(cart));
}

export function clearCart(storeId) {
  localStorage.removeItem(key(storeId));
}

/** The same item, size, modifiers and notes make one line whose quantity grows. */
export function addLine(cart, line) {
  const same = cart.lines.find(
    (l) =>
      l.menuItemId === line.menuItemId &&
      (l.variantId ?? '') === (line.variantId ?? '') &&
      [...l.modifierIds].sort().join() === [...line.modifierIds].sort().join() &&
      (l.notes ?? '') === (line.notes ?? ''),
  );
  if (same) same.quantity = Math.min(MAX_QUANTITY, same.quantity + line.quantity);
  else cart.lines.push({ ...line, lineId: crypto.getRandomValues(new Uint32Array(2)).join('-') });
}

export const clampQuantity = (n) =>
  Math.max(1, Math.min(MAX_QUANTITY, Math.round(Number.isFinite(n) ? n : 1)));

export const lineCount = (cart) => cart.lines.reduce((n, l) => n + l.quantity, 0);

/** The menu's item, size and modifiers a line names; `problem` when it cannot be ordered now. */
export function describeLine(menu, line) {
  const item = menu.items.find((i) => i.id === line.menuItemId);
  if (!item) return { problem: 'No longer on the menu' };
  const variant = line.variantId ? item.variants?.find((v) => v.id === line.variantId) : undefined;
  const modifiers = line.modifierIds.map((id) => modifierById(menu, id)).filter(Boolean);
  const unitCents =
    (variant ? variant.priceCents : item.priceCents) +
    modifiers.reduce((sum, m) => sum + m.priceDeltaCents, 0);
  const stale =
    (line.variantId && !variant) || modifiers.length !== line.modifierIds.length
      ? 'The menu changed: choose this item again'
      : undefined;
  return {
    item,
    variant,
    modifiers,
    unitCents,
    totalCents: unitCents * line.quantity,
    problem:
      item.available === false ? (item.unavailableReason ?? 'Not available right now') : stale,
  };
}

export function modifierById(menu, id) {
  for (const group of menu.modifierGroups ?? []) {
    const found = group.modifiers.find((m) => m.id === id);
    if (found) return found;
  }
  return undefined;
}

/** The estimated subtotal from menu prices (tax and the final word come from the server). */
export function estimateCents(menu, cart) {
  return cart.lines.reduce((sum, l) => sum + (describeLine(menu, l).totalCents ?? 0), 0);
}

/** What `POST /api/v1/online/orders` takes as `items`: choices only, no prices. */
export function cartItems(cart) {
  return cart.lines.map((l) => ({
    menuItemId: l.menuItemId,
    ...(l.variantId ? { variantId: l.variantId } : {}),
    modifierIds: [...l.modifierIds],
    quantity: l.quantity,
    ...(l.notes?.trim() ? { notes: l.notes.trim() } : {}),
  }));
}

/**
 * A modifier group's rule as the guest reads it and the check made before "Add to cart":
 * `minChoices` 0 is optional, otherwise at least that many; never more than `maxChoices`.
 */
export function groupRule(group) {
  const { minChoices: min, maxChoices: max } = group;
  if (min === 0) return max === 1 ? 'Optional, choose 1' : `Optional, up to ${max}`;
  if (min === max) return `Required, choose ${min}`;
  return `Required, choose ${min}–${max}`;
}

export function groupError(group, chosen) {
  if (chosen < group.minChoices) {
    return group.minChoices === 1
      ? 'Please choose one'
      : `Please choose at least ${group.minChoices}`;
  }
  if (chosen > group.maxChoices) return `Choose at most ${group.maxChoices}`;
  return undefined;
}
