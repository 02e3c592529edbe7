import type { SqlSchema } from '@pos/kit/sql';
import { outboxTableSql } from '../events.js';

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
    {
      version: 2,
      name: 'template variables, rendered content, skipped, contacts, outbox, default templates',
      up: `
        ALTER TABLE notification_log DROP CONSTRAINT notification_log_status_check;
        ALTER TABLE notification_log ADD CONSTRAINT notification_log_status_check
          CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'skipped'));
        ALTER TABLE notification_log ADD COLUMN variables JSONB NOT NULL DEFAULT '{}';
        ALTER TABLE notification_log ADD COLUMN subject TEXT;
        ALTER TABLE notification_log ADD COLUMN body TEXT;
        -- Who to tell about an order when it is ready: learnt from order.created.v1.
        CREATE TABLE order_contacts (
          order_id UUID PRIMARY KEY,
          order_number INTEGER NOT NULL,
          email TEXT,
          phone TEXT,
          name TEXT,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        ${outboxTableSql('notification_outbox')}
        INSERT INTO notification_templates (template, channel, subject, body) VALUES
          ('order-ready', 'email', 'Order #{{orderNumber}} is ready', 'Hi {{name}}, your order #{{orderNumber}} is ready to collect.'),
          ('order-ready', 'sms', '', 'Order #{{orderNumber}} is ready to collect.'),
          ('e-receipt', 'email', 'Your receipt: {{total}}', 'Thank you for your visit. You paid {{total}} by {{tender}}.'),
          ('points-earned', 'email', 'You earned {{points}} points', 'You now have {{balance}} points.'),
          ('low-stock', 'email', 'Low stock: {{ingredient}}', '{{ingredient}} is down to {{available}} {{unit}} (reorder at {{reorderPoint}}).');
      `,
    },
    {
      version: 3,
      name: 'the code that confirms a customer email',
      up: `
        INSERT INTO notification_templates (template, channel, subject, body) VALUES
          ('email-code', 'email', 'Your code: {{code}}', 'Enter {{code}} to confirm your email and see your points. It works for 30 minutes. If you did not ask for it, ignore this email.');
      `,
    },
  ],
};
