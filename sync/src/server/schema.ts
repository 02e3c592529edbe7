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
    {
      version: 2,
      name: 'enrolment, revocation, hub state, invalid events, fan-out outbox',
      up: `
        ALTER TABLE stores ALTER COLUMN credential_hash DROP NOT NULL;
        ALTER TABLE stores ADD COLUMN credential_issued_at TIMESTAMPTZ;
        ALTER TABLE stores ADD COLUMN revoked_at TIMESTAMPTZ;
        -- What the hub last said of itself (menu version it runs, its backlog).
        ALTER TABLE stores ADD COLUMN hub_state JSONB NOT NULL DEFAULT '{}';

        -- One-time codes a manager hands to whoever installs the hub; only the hash is kept.
        CREATE TABLE store_enrolments (
          code_hash TEXT PRIMARY KEY,
          store_id TEXT NOT NULL REFERENCES stores,
          expires_at TIMESTAMPTZ NOT NULL,
          used_at TIMESTAMPTZ
        );

        -- An event whose payload broke its contract is kept (the sequence moves on) but not
        -- fanned out; the reason says what to fix.
        ALTER TABLE received_events ADD COLUMN invalid_reason TEXT;

        -- Accepted events on their way to the cloud bus, in the order they were applied.
        CREATE TABLE sync_outbox (
          seq BIGSERIAL PRIMARY KEY,
          event_id UUID NOT NULL UNIQUE,
          event_type TEXT NOT NULL,
          envelope TEXT NOT NULL,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          published_at TIMESTAMPTZ
        );
        CREATE INDEX sync_outbox_unpublished ON sync_outbox (seq) WHERE published_at IS NULL;
      `,
    },
    {
      version: 3,
      name: 'received events no longer indexed by publication',
      // Events reach the bus through `sync_outbox`; `received_events.published_at` stays unset,
      // so this index held every event received and served no query.
      up: `
        DROP INDEX IF EXISTS received_events_unpublished;
      `,
    },
    {
      version: 4,
      name: 'online orders in the change feed',
      up: `
        ALTER TABLE change_feed DROP CONSTRAINT IF EXISTS change_feed_topic_check;
        ALTER TABLE change_feed ADD CONSTRAINT change_feed_topic_check
          CHECK (topic IN ('menu', 'staff', 'loyalty', 'store-config', 'online-order'));
      `,
    },
    {
      version: 5,
      name: 'online orders withdrawn by the cloud',
      up: `
        ALTER TABLE change_feed DROP CONSTRAINT IF EXISTS change_feed_topic_check;
        ALTER TABLE change_feed ADD CONSTRAINT change_feed_topic_check
          CHECK (topic IN ('menu', 'staff', 'loyalty', 'store-config', 'online-order',
                           'online-withdrawn'));
        CREATE INDEX change_feed_online_order ON change_feed ((payload->>'orderId'))
          WHERE topic = 'online-order';
      `,
    },
  ],
};
