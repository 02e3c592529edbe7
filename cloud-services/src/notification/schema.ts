import type { SqlSchema } from '@pos/kit/sql';

const CHANNELS = "('email', 'sms', 'push', 'in-app')";

/**
 * Notification service tables (seed §1.9). The log is the delivery record: one row per
 * notification, its attempts and outcome; `source_event_id` keeps a redelivered event from
 * notifying twice. Channels are those of `NotificationChannel` in contracts.
 */
export const notificationSchema: SqlSchema = {
  component: 'notification',
  migrations: [
    {
      version: 1,
      name: 'channels, templates, preferences, log',
      up: `
        CREATE TABLE notification_channels (
          channel TEXT PRIMARY KEY CHECK (channel IN ${CHANNELS}),
          enabled BOOLEAN NOT NULL DEFAULT true,
          -- Provider settings that are not secrets; credentials come from the environment.
          settings JSONB NOT NULL DEFAULT '{}'
        );
        INSERT INTO notification_channels (channel) VALUES ('email'), ('sms'), ('push'), ('in-app');

        CREATE TABLE notification_templates (
          template TEXT NOT NULL,
          channel TEXT NOT NULL REFERENCES notification_channels,
          subject TEXT NOT NULL DEFAULT '',
          body TEXT NOT NULL,
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (template, channel)
        );

        CREATE TABLE notification_preferences (
          user_id UUID NOT NULL,
          channel TEXT NOT NULL REFERENCES notification_channels,
          enabled BOOLEAN NOT NULL,
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (user_id, channel)
        );

        CREATE TABLE notification_log (
          notification_id UUID PRIMARY KEY,
          user_id UUID,
          channel TEXT NOT NULL REFERENCES notification_channels,
          template TEXT NOT NULL,
          recipient TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'queued'
            CHECK (status IN ('queued', 'sent', 'delivered', 'failed')),
          attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
          last_error TEXT,
          source_event_id UUID UNIQUE,
          scheduled_for TIMESTAMPTZ NOT NULL DEFAULT now(),
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        CREATE INDEX notification_log_due ON notification_log (status, scheduled_for);
        CREATE INDEX notification_log_user ON notification_log (user_id, created_at);
      `,
    },
  ],
};
