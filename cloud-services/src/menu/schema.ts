import type { SqlSchema } from '@pos/kit/sql';
import { outboxTableSql } from '../events.js';

/**
 * Menu service tables (seed §1.3). Prices are integer cents with an ISO currency. Editing the
 * catalogue does not change any hub: publishing freezes it into a numbered `menu_versions`
 * snapshot, which hubs pull through the sync feed and apply all-or-nothing.
 */
export const menuSchema: SqlSchema = {
  component: 'menu',
  migrations: [
    {
      version: 1,
      name: 'categories, items, variants, prices, images, versions',
      up: `
        CREATE TABLE categories (
          category_id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          sort_order INTEGER NOT NULL DEFAULT 0,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );

        CREATE TABLE menu_items (
          menu_item_id TEXT PRIMARY KEY,
          category_id TEXT NOT NULL REFERENCES categories,
          name TEXT NOT NULL,
          description TEXT NOT NULL DEFAULT '',
          available BOOLEAN NOT NULL DEFAULT true,
          sort_order INTEGER NOT NULL DEFAULT 0,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          -- Soft delete: published versions and past orders still name the item.
          deleted_at TIMESTAMPTZ
        );
        CREATE INDEX menu_items_category ON menu_items (category_id);

        CREATE TABLE menu_item_variants (
          menu_item_id TEXT NOT NULL REFERENCES menu_items ON DELETE CASCADE,
          variant_id TEXT NOT NULL,
          name TEXT NOT NULL,
          sort_order INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (menu_item_id, variant_id)
        );

        -- A price per item (variant_id NULL) or per variant, and per pricing tier.
        CREATE TABLE menu_item_prices (
          menu_item_id TEXT NOT NULL REFERENCES menu_items ON DELETE CASCADE,
          variant_id TEXT,
          tier TEXT NOT NULL DEFAULT 'standard',
          amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
          currency TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
          FOREIGN KEY (menu_item_id, variant_id)
            REFERENCES menu_item_variants (menu_item_id, variant_id) ON DELETE CASCADE
        );
        CREATE UNIQUE INDEX menu_item_prices_key
          ON menu_item_prices (menu_item_id, COALESCE(variant_id, ''), tier);

        -- URLs only; the images themselves live in external storage.
        CREATE TABLE menu_item_images (
          menu_item_id TEXT NOT NULL REFERENCES menu_items ON DELETE CASCADE,
          position INTEGER NOT NULL,
          url TEXT NOT NULL,
          alt_text TEXT NOT NULL DEFAULT '',
          PRIMARY KEY (menu_item_id, position)
        );

        CREATE TABLE menu_versions (
          menu_version INTEGER PRIMARY KEY CHECK (menu_version > 0),
          published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          published_by UUID NOT NULL,
          store_ids TEXT[] NOT NULL,
          snapshot JSONB NOT NULL
        );
      `,
    },
    {
      version: 2,
      name: 'draft, rollbacks, outbox',
      up: `
        -- What managers edit; publishing freezes it into a new version.
        CREATE TABLE menu_draft (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          document JSONB NOT NULL,
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        INSERT INTO menu_draft (id, document) VALUES (1, '{"currency":"USD","taxCategories":[],"stations":[],"categories":[],"modifierGroups":[],"items":[]}');
        ALTER TABLE menu_versions ADD COLUMN rolled_back_from INTEGER;
        ${outboxTableSql('menu_outbox')}
      `,
    },
    {
      version: 3,
      name: 'per-store price overrides frozen with each version',
      up: `
        ALTER TABLE menu_versions ADD COLUMN price_overrides JSONB NOT NULL DEFAULT '[]';
        CREATE INDEX menu_versions_stores ON menu_versions USING GIN (store_ids);
      `,
    },
  ],
};
