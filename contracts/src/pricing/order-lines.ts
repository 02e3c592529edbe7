import type { MenuDocument, MenuItem, Modifier, ModifierGroup } from '../menu.js';
import type { Discount } from './pricing.js';

/**
 * One wrong field of a request. The same shape as `FieldError` in `@pos/kit`, which maps it to
 * problem+json; defined here because contracts depends on nothing but zod.
 */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `items.0.quantity`; empty for the whole body. */
  field: string;
  message: string;
}

export interface RequestedLine {
  id: string;
  menuItemId: string;
  variantId?: string | undefined;
  modifierIds: readonly string[];
  quantity: number;
  notes?: string | undefined;
  seat?: number | undefined;
  course: number;
  discount?: Discount | undefined;
}

export interface ResolvedModifier {
  modifierId: string;
  groupId: string;
  name: string;
  priceDeltaCents: number;
}

/** An order line as the menu in force prices and routes it. */
export interface ResolvedLine {
  id: string;
  menuItemId: string;
  name: string;
  categoryId: string;
  variant?: { variantId: string; name: string } | undefined;
  modifiers: ResolvedModifier[];
  quantity: number;
  unitPriceCents: number;
  notes?: string | undefined;
  seat?: number | undefined;
  course: number;
  stationId: string;
  allergens: string[];
  taxRateBasisPoints: number;
  taxInclusive: boolean;
  discount?: Discount | undefined;
}

export type ResolveResult =
  | { ok: true; lines: ResolvedLine[] }
  | { ok: false; status: 400 | 409; errors: FieldError[] };

/**
 * Check requested lines against the menu and price them: the item exists and is on sale, the
 * variant is one of its sizes, every modifier belongs to one of its groups, each group's
 * min/max holds. All problems are reported together; a sold-out item alone is a 409 (the
 * request was fine, the kitchen is out), anything else a 400.
 */
export function resolveLines(
  menu: MenuDocument,
  isAvailable: (menuItemId: string) => boolean,
  requested: readonly RequestedLine[],
  path = 'items',
): ResolveResult {
  const items = new Map(menu.items.map((i) => [i.id as string, i]));
  const groups = new Map(menu.modifierGroups.map((g) => [g.id as string, g]));
  const taxes = new Map(menu.taxCategories.map((t) => [t.id, t]));
  const invalid: FieldError[] = [];
  const soldOut: FieldError[] = [];
  const lines: ResolvedLine[] = [];

  requested.forEach((req, index) => {
    const at = (field: string) => `${path}.${index}.${field}`;
    const item = items.get(req.menuItemId);
    if (!item) {
      invalid.push({ field: at('menuItemId'), message: `unknown menu item ${req.menuItemId}` });
      return;
    }
    if (!isAvailable(item.id)) {
      soldOut.push({ field: at('menuItemId'), message: `${item.name} is sold out` });
    }
    const errorsBefore = invalid.length;
    const variant = resolveVariant(item, req.variantId, at('variantId'), invalid);
    const modifiers = resolveModifiers(item, groups, req.modifierIds, at('modifierIds'), invalid);
    if (invalid.length > errorsBefore) return;
    const base = variant ? variant.priceCents : item.priceCents;
    const unitPriceCents = base + modifiers.reduce((sum, m) => sum + m.priceDeltaCents, 0);
    if (unitPriceCents < 0) {
      invalid.push({
        field: at('modifierIds'),
        message: 'the modifiers take the price below zero',
      });
      return;
    }
    const tax = taxes.get(item.taxCategoryId);
    const modifierAllergens = modifiers.flatMap((m) => m.allergens);
    lines.push({
      id: req.id,
      menuItemId: item.id,
      name: item.name,
      categoryId: item.categoryId,
      variant: variant ? { variantId: variant.id, name: variant.name } : undefined,
      modifiers: modifiers.map(({ modifierId, groupId, name, priceDeltaCents }) => ({
        modifierId,
        groupId,
        name,
        priceDeltaCents,
      })),
      quantity: req.quantity,
      unitPriceCents,
      notes: req.notes,
      seat: req.seat,
      course: req.course,
      stationId: item.stationId,
      allergens: [...new Set([...item.allergens, ...modifierAllergens])].sort(),
      taxRateBasisPoints: tax?.rateBasisPoints ?? 0,
      taxInclusive: tax?.inclusive ?? false,
      discount: req.discount,
    });
  });

  if (invalid.length > 0) return { ok: false, status: 400, errors: [...invalid, ...soldOut] };
  if (soldOut.length > 0) return { ok: false, status: 409, errors: soldOut };
  return { ok: true, lines };
}

function resolveVariant(
  item: MenuItem,
  variantId: string | undefined,
  field: string,
  errors: FieldError[],
) {
  if (item.variants.length === 0) {
    if (variantId !== undefined) errors.push({ field, message: `${item.name} has no sizes` });
    return undefined;
  }
  if (variantId === undefined) {
    const names = item.variants.map((v) => v.name).join(', ');
    errors.push({ field, message: `choose a size for ${item.name}: ${names}` });
    return undefined;
  }
  const variant = item.variants.find((v) => v.id === variantId);
  if (!variant) errors.push({ field, message: `${item.name} has no size ${variantId}` });
  return variant;
}

function resolveModifiers(
  item: MenuItem,
  groups: Map<string, ModifierGroup>,
  modifierIds: readonly string[],
  field: string,
  errors: FieldError[],
): (ResolvedModifier & { allergens: string[] })[] {
  const own = item.modifierGroupIds.flatMap((id) => {
    const group = groups.get(id);
    return group ? [group] : [];
  });
  const byModifier = new Map<string, { group: ModifierGroup; modifier: Modifier }>();
  for (const group of own) {
    for (const modifier of group.modifiers) byModifier.set(modifier.id, { group, modifier });
  }
  const chosen: (ResolvedModifier & { allergens: string[] })[] = [];
  const seen = new Set<string>();
  for (const id of modifierIds) {
    const found = byModifier.get(id);
    if (!found) {
      errors.push({ field, message: `${id} is not a choice for ${item.name}` });
      continue;
    }
    if (seen.has(id)) {
      errors.push({ field, message: `${found.modifier.name} is chosen twice` });
      continue;
    }
    seen.add(id);
    chosen.push({
      modifierId: found.modifier.id,
      groupId: found.group.id,
      name: found.modifier.name,
      priceDeltaCents: found.modifier.priceDeltaCents,
      allergens: found.modifier.allergens,
    });
  }
  for (const group of own) {
    const count = chosen.filter((c) => c.groupId === group.id).length;
    if (count < group.minChoices) {
      const need = group.minChoices === 1 ? 'a choice' : `${group.minChoices} choices`;
      errors.push({ field, message: `${group.name} needs ${need} for ${item.name}` });
    } else if (count > group.maxChoices) {
      errors.push({
        field,
        message: `${group.name} allows at most ${group.maxChoices} for ${item.name}`,
      });
    }
  }
  return chosen;
}
