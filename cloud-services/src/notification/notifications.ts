import { randomUUID } from 'node:crypto';
import type { AnyEvent } from '@pos/contracts';
import { AppError, type Logger } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import nodemailer from 'nodemailer';
import { emitTo } from '../events.js';

export type Channel = 'email' | 'sms' | 'push' | 'in-app';

/** The variables each template may use; a template naming any other is refused. */
export const TEMPLATE_VARIABLES: Record<string, readonly string[]> = {
  'order-ready': ['orderNumber', 'name'],
  'e-receipt': ['total', 'tender', 'orderId'],
  'points-earned': ['points', 'balance'],
  'low-stock': ['ingredient', 'available', 'unit', 'reorderPoint'],
  'email-code': ['code'],
};

const VARIABLE = /\{\{\s*([a-zA-Z][a-zA-Z0-9]*)\s*\}\}/g;

/** `{{name}}` replaced by its value; unknown names are refused when the template is saved. */
export function render(text: string, variables: Record<string, unknown>): string {
  return text.replace(VARIABLE, (_m, name: string) => String(variables[name] ?? ''));
}

export function unknownVariables(template: string, text: string): string[] {
  const allowed = TEMPLATE_VARIABLES[template] ?? [];
  return [...text.matchAll(VARIABLE)]
    .map((m) => m[1] as string)
    .filter((v) => !allowed.includes(v));
}

export interface TemplateView {
  template: string;
  channel: Channel;
  subject: string;
  body: string;
  /** The `{{names}}` the subject and body may use. */
  variables: string[];
  updatedAt: string;
}

/** How a message leaves: email by SMTP; SMS and push log only until a provider is set up. */
export interface ChannelAdapter {
  send(message: { to: string; subject: string; body: string }): Promise<void>;
}

export function channelAdapters(env: Readonly<Record<string, string | undefined>>, logger: Logger) {
  const smtp = env.SMTP_URL;
  const transport = smtp ? nodemailer.createTransport(smtp) : undefined;
  const logOnly = (channel: Channel): ChannelAdapter => ({
    async send(m) {
      logger.info(
        { channel, to: m.to, subject: m.subject },
        'notification (log only: no provider set up)',
      );
    },
  });
  return {
    email: transport
      ? {
          async send(m: { to: string; subject: string; body: string }) {
            await transport.sendMail({
              from: env.SMTP_FROM ?? 'Restaurant POS <no-reply@pos.local>',
              to: m.to,
              subject: m.subject,
              text: m.body,
            });
          },
        }
      : logOnly('email'),
    sms: logOnly('sms'),
    push: logOnly('push'),
    'in-app': logOnly('in-app'),
  } satisfies Record<Channel, ChannelAdapter>;
}

interface LogRow {
  notification_id: string;
  channel: Channel;
  template: string;
  recipient: string;
  variables: Record<string, unknown> | string;
  attempts: number;
}

const MAX_ATTEMPTS = 5;

/**
 * The notification service (seed §1.9): messages are queued in the delivery log, sent by a
 * worker with retries (backoff, five tries), and each outcome is kept; a person's opt-out for a
 * channel turns a message into `skipped`.
 */
export class Notifications {
  constructor(
    private readonly db: SqlDatabase,
    private readonly channels: Record<Channel, ChannelAdapter>,
    private readonly logger: Logger,
  ) {}

  async queue(
    input: {
      channel: Channel;
      template: string;
      recipient: string;
      variables: Record<string, unknown>;
      userId?: string | undefined;
      sendAt?: string | undefined;
      sourceEventId?: string | undefined;
    },
    tx: SqlExecutor = this.db,
  ): Promise<{ notificationId: string; status: string } | undefined> {
    const template = await tx.maybeOne(
      'SELECT 1 FROM notification_templates WHERE template = $1 AND channel = $2',
      [input.template, input.channel],
    );
    if (!template)
      throw new AppError('not-found', `No ${input.channel} template ${input.template}`);
    const optedOut = input.userId
      ? await tx.maybeOne(
          'SELECT 1 FROM notification_preferences WHERE user_id = $1 AND channel = $2 AND NOT enabled',
          [input.userId, input.channel],
        )
      : undefined;
    const id = randomUUID();
    const status = optedOut ? 'skipped' : 'queued';
    const rows = await tx.query(
      `INSERT INTO notification_log (notification_id, user_id, channel, template, recipient, status, variables,
         source_event_id, scheduled_for)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9::timestamptz, now()))
       ON CONFLICT (source_event_id) DO NOTHING RETURNING notification_id`,
      [
        id,
        input.userId ?? null,
        input.channel,
        input.template,
        input.recipient,
        status,
        JSON.stringify(input.variables),
        input.sourceEventId ?? null,
        input.sendAt ?? null,
      ],
    );
    return rows.length > 0 ? { notificationId: id, status } : undefined;
  }

  /** Every stored template, one per channel, with the variables it may use. */
  async templates(): Promise<TemplateView[]> {
    const rows = await this.db.query<{
      template: string;
      channel: Channel;
      subject: string;
      body: string;
      updated_at: string;
    }>(
      'SELECT template, channel, subject, body, updated_at::text FROM notification_templates ORDER BY template, channel',
    );
    return rows.map((r) => ({
      template: r.template,
      channel: r.channel,
      subject: r.subject,
      body: r.body,
      variables: [...(TEMPLATE_VARIABLES[r.template] ?? [])],
      updatedAt: r.updated_at,
    }));
  }

  /** Send what is due; returns how many were sent. */
  async deliverDue(): Promise<number> {
    const due = await this.db.query<LogRow>(
      `SELECT notification_id, channel, template, recipient, variables, attempts FROM notification_log
       WHERE status = 'queued' AND scheduled_for <= now() ORDER BY scheduled_for LIMIT 50`,
    );
    let sent = 0;
    for (const row of due) {
      const variables =
        typeof row.variables === 'string' ? JSON.parse(row.variables) : row.variables;
      const t = await this.db.one<{ subject: string; body: string }>(
        'SELECT subject, body FROM notification_templates WHERE template = $1 AND channel = $2',
        [row.template, row.channel],
      );
      const subject = render(t.subject, variables);
      const body = render(t.body, variables);
      try {
        await this.channels[row.channel].send({ to: row.recipient, subject, body });
        await this.db.transaction(async (tx) => {
          await tx.query(
            `UPDATE notification_log SET status = 'sent', attempts = attempts + 1, subject = $2, body = $3,
               updated_at = now() WHERE notification_id = $1`,
            [row.notification_id, subject, body],
          );
          await this.#emit(tx, 'notification.sent.v1', row, row.attempts + 1);
        });
        sent += 1;
      } catch (err) {
        const attempts = row.attempts + 1;
        const failed = attempts >= MAX_ATTEMPTS;
        this.logger.warn(
          { id: row.notification_id, attempts, err: (err as Error).message },
          'notification not sent',
        );
        await this.db.transaction(async (tx) => {
          await tx.query(
            `UPDATE notification_log SET status = $2, attempts = $3, last_error = $4, updated_at = now(),
               scheduled_for = now() + make_interval(secs => $5) WHERE notification_id = $1`,
            [
              row.notification_id,
              failed ? 'failed' : 'queued',
              attempts,
              (err as Error).message.slice(0, 500),
              2 ** attempts,
            ],
          );
          if (failed)
            await this.#emit(tx, 'notification.failed.v1', row, attempts, (err as Error).message);
        });
      }
    }
    return sent;
  }

  /** What events from the hubs and the other services become messages. */
  async onEvent(event: AnyEvent, tx: SqlExecutor, managerEmail: string | undefined): Promise<void> {
    switch (event.EventType) {
      case 'order.created.v1': {
        const p = event.Payload;
        if (!p.customer?.email && !p.customer?.phone) return;
        await tx.query(
          `INSERT INTO order_contacts (order_id, order_number, email, phone, name) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING`,
          [
            p.orderId,
            p.orderNumber,
            p.customer.email ?? null,
            p.customer.phone ?? null,
            p.customer.name ?? null,
          ],
        );
        return;
      }
      case 'order.ready.v1': {
        const c = await tx.maybeOne<{
          order_number: number;
          email: string | null;
          phone: string | null;
          name: string | null;
        }>('SELECT order_number, email, phone, name FROM order_contacts WHERE order_id = $1', [
          event.Payload.orderId,
        ]);
        if (!c) return;
        const variables = { orderNumber: c.order_number, name: c.name ?? 'there' };
        if (c.phone)
          await this.queue(
            {
              channel: 'sms',
              template: 'order-ready',
              recipient: c.phone,
              variables,
              sourceEventId: event.EventId,
            },
            tx,
          );
        else if (c.email)
          await this.queue(
            {
              channel: 'email',
              template: 'order-ready',
              recipient: c.email,
              variables,
              sourceEventId: event.EventId,
            },
            tx,
          );
        return;
      }
      case 'payment.completed.v1': {
        const p = event.Payload;
        if (!p.customer?.email) return;
        const total = new Intl.NumberFormat('en-US', {
          style: 'currency',
          currency: p.currency,
        }).format((p.amountCents + p.tipCents) / 100);
        await this.queue(
          {
            channel: 'email',
            template: 'e-receipt',
            recipient: p.customer.email,
            variables: { total, tender: p.tender, orderId: p.orderId },
            sourceEventId: event.EventId,
          },
          tx,
        );
        return;
      }
      case 'auth.emailverificationrequested.v1': {
        const p = event.Payload;
        await this.queue(
          {
            channel: 'email',
            template: 'email-code',
            recipient: p.email,
            // Not tied to the person's channel choices: without it they cannot sign up.
            variables: { code: p.code },
            sourceEventId: event.EventId,
          },
          tx,
        );
        return;
      }
      case 'loyalty.pointsearned.v1': {
        const p = event.Payload;
        if (!p.email) return;
        await this.queue(
          {
            channel: 'email',
            template: 'points-earned',
            recipient: p.email,
            variables: { points: p.points, balance: p.balance },
            userId: p.customerId,
            sourceEventId: event.EventId,
          },
          tx,
        );
        return;
      }
      case 'inventory.lowstockalert.v1': {
        if (!managerEmail) return;
        const p = event.Payload;
        await this.queue(
          {
            channel: 'email',
            template: 'low-stock',
            recipient: managerEmail,
            variables: {
              ingredient: p.name,
              available: p.level,
              unit: p.unit,
              reorderPoint: p.reorderPoint,
            },
            sourceEventId: event.EventId,
          },
          tx,
        );
        return;
      }
      default:
        return;
    }
  }

  #emit(
    tx: SqlExecutor,
    type: 'notification.sent.v1' | 'notification.failed.v1',
    row: LogRow,
    attempts: number,
    error?: string,
  ) {
    return emitTo(tx, 'notification_outbox', 'notification-service', type, {
      notificationId: row.notification_id,
      channel: row.channel,
      template: row.template,
      recipient: row.recipient,
      attempts,
      ...(error ? { error: error.slice(0, 1000) } : {}),
    } as never);
  }
}
