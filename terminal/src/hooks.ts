import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api.js';

export interface MenuModifier {
  id: string;
  name: string;
  priceDeltaCents: number;
}

export interface MenuGroup {
  id: string;
  name: string;
  minChoices: number;
  maxChoices: number;
  modifiers: MenuModifier[];
}

export interface MenuItem {
  id: string;
  name: string;
  categoryId: string;
  priceCents: number;
  variants: { id: string; name: string; priceCents: number }[];
  modifierGroupIds: string[];
  allergens: string[];
  available: boolean;
  unavailableReason?: string;
  sku?: string;
}

export interface Menu {
  currency: string;
  categories: { id: string; name: string; sortOrder: number; color?: string }[];
  modifierGroups: MenuGroup[];
  items: MenuItem[];
}

/** Run `fn` now and every `ms` while mounted; the latest result or error. */
export function usePoll<T>(fn: () => Promise<T>, ms: number, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const saved = useRef(fn);
  saved.current = fn;
  const run = useCallback(async () => {
    try {
      const value = await saved.current();
      setData(value);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, []);
  useEffect(() => {
    void run();
    const timer = window.setInterval(() => void run(), ms);
    return () => window.clearInterval(timer);
  }, [run, ms, ...deps]);
  return { data, error, refresh: run };
}

/**
 * The menu in force with live availability: polled with its ETag every 2 s, so an item the
 * kitchen 86s is greyed out on every terminal within seconds, without a reload.
 */
export function useMenu(): Menu | undefined {
  const [menu, setMenu] = useState<Menu | undefined>(undefined);
  const etag = useRef<string | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const res = await api<Menu>('GET', '/api/v1/menu', undefined, {
          ...(etag.current ? { etag: etag.current } : {}),
        });
        if (!stopped && res.status === 200) {
          etag.current = res.etag ?? undefined;
          setMenu(res.body);
        }
      } catch {
        // The status bar shows the hub is down; the last menu stays on screen.
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), 2_000);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, []);
  return menu;
}
