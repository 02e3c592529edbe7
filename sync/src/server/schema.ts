import type { SqlSchema } from '@pos/kit/sql';

/**
 * Cloud end of sync (ARCHITECTURE "Sync"). Up: a store's events arrive in `sequence` order and
 * are stored with the store's `last_sequence` advanced in the same transaction, so a gap is
 * refused and a repeat skipped. Down: `change_feed` is the cursor-ordered feed hubs pull
 * (menu versions, staff roster, loyalty and store config).
 */
export const syncSchema: SqlSchema = {
  component: 'sync',
  migrations: [
    {
      version: 1,
      name: 'stores, received events, change feed',
      up: `
        CREATE TABLE stores (
          store_id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          -- Hash of the credential issued when the store was provisioned; never the secret.
          credential_hash TEXT NOT NULL,
          last_sequence BIGINT NOT NULL DEFAULT 0 CHECK (last_sequence >= 0),
          last_seen_at TIMESTAMPTZ,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );

        CREATE TABLE received_events (
          store_id TEXT NOT NULL REFERENCES stores,
          sequence BIGINT NOT NULL CHECK (sequence > 0),
          event_id UUID NOT NULL UNIQUE,
          event_type TEXT NOT NULL,
          correlation_id UUID NOT NULL,
          occurred_at TIMESTAMPTZ NOT NULL,
          envelope JSONB NOT NULL,
          received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          -- Set once the event is handed to the cloud bus.
          published_at TIMESTAMPTZ,
          PRIMARY KEY (store_id, sequence)
        );
        CREATE INDEX received_events_unpublished ON received_events (received_at)
          WHERE published_at IS NULL;

        CREATE TABLE change_feed (
          cursor BIGSERIAL PRIMARY KEY,
          -- NULL: for every store.
          store_id TEXT REFERENCES stores,
          topic TEXT NOT NULL CHECK (topic IN ('menu', 'staff', 'loyalty', 'store-config')),
          payload JSONB NOT NULL,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        CREATE INDEX change_feed_store ON change_feed (store_id, cursor);
      `,
    },
  ],
};
