import { AppError, handle, OpenApi } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import type { Express } from 'express';
import { z } from 'zod';
import { type Notifications, TEMPLATE_VARIABLES, unknownVariables } from './notifications.js';

const Channel = z.enum(['email', 'sms', 'push', 'in-app']);
const Template = z.string().regex(/^[a-z0-9-]{1,64}$/);
const SendBody = z
  .object({
    channel: Channel,
    template: Template,
    recipient: z.string().trim().min(1).max(320),
    variables: z.record(z.string(), z.union([z.string().max(500), z.number()])).default({}),
    userId: z.uuid().optional(),
    sendAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
const LogsQuery = z
  .object({
    userId: z.uuid().optional(),
    status: z.enum(['queued', 'sent', 'delivered', 'failed', 'skipped']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const UserParams = z.object({ userId: z.uuid() });
const PreferencesBody = z
  .object({ email: z.boolean(), sms: z.boolean(), push: z.boolean(), 'in-app': z.boolean() })
  .partial()
  .strict();
const TemplateParams = z.object({ template: Template, channel: Channel });
const TemplateBody = z
  .object({ subject: z.string().max(200).default(''), body: z.string().min(1).max(5_000) })
  .strict();

/** Seed §1.9 endpoints plus templates. Who may call them is the gateway's route rule. */
export function notificationRoutes(
  app: Express,
  db: SqlDatabase,
  notifications: Notifications,
): void {
  const tags = ['notifications'];
  const docs = new OpenApi({ title: 'Notification service', version: '1.0.0' }).add(
    {
      method: 'post',
      path: '/api/v1/notifications/send',
      summary: 'Queue a message',
      tags,
      body: SendBody,
      status: 202,
    },
    {
      method: 'get',
      path: '/api/v1/notifications/logs',
      summary: 'The delivery log',
      tags,
      query: LogsQuery,
    },
    {
      method: 'put',
      path: '/api/v1/notifications/preferences/:userId',
      summary: "A person's channels (opt-out)",
      tags,
      body: PreferencesBody,
    },
    {
      method: 'get',
      path: '/api/v1/notifications/templates',
      summary: 'Every template and channel with the variables it may use',
      tags,
    },
    {
      method: 'put',
      path: '/api/v1/notifications/templates/:template/:channel',
      summary: 'Change a template',
      tags,
      body: TemplateBody,
    },
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(docs.document());
  });
  app.post(
    '/api/v1/notifications/send',
    handle({ body: SendBody }, async ({ body }, _req, res) => {
      const queued = await notifications.queue(body);
      res.status(202);
      return queued;
    }),
  );
  app.get(
    '/api/v1/notifications/logs',
    handle({ query: LogsQuery }, async ({ query }) => ({
      notifications: await db.query(
        `SELECT notification_id AS "notificationId", user_id AS "userId", channel, template, recipient, status,
                attempts, last_error AS "lastError", subject, body, created_at::text AS "createdAt",
                updated_at::text AS "updatedAt"
         FROM notification_log WHERE ($1::uuid IS NULL OR user_id = $1) AND ($2::text IS NULL OR status = $2)
         ORDER BY created_at DESC LIMIT $3`,
        [query.userId ?? null, query.status ?? null, query.limit],
      ),
    })),
  );
  app.put(
    '/api/v1/notifications/preferences/:userId',
    handle({ params: UserParams, body: PreferencesBody }, async ({ params, body }) => {
      for (const [channel, enabled] of Object.entries(body)) {
        await db.query(
          `INSERT INTO notification_preferences (user_id, channel, enabled) VALUES ($1, $2, $3)
           ON CONFLICT (user_id, channel) DO UPDATE SET enabled = $3, updated_at = now()`,
          [params.userId, channel, enabled],
        );
      }
      const rows = await db.query<{ channel: string; enabled: boolean }>(
        'SELECT channel, enabled FROM notification_preferences WHERE user_id = $1 ORDER BY channel',
        [params.userId],
      );
      return {
        userId: params.userId,
        channels: Object.fromEntries(rows.map((r) => [r.channel, r.enabled])),
      };
    }),
  );
  app.get(
    '/api/v1/notifications/templates',
    handle({}, async () => ({ templates: await notifications.templates() })),
  );
  app.put(
    '/api/v1/notifications/templates/:template/:channel',
    handle({ params: TemplateParams, body: TemplateBody }, async ({ params, body }) => {
      if (!TEMPLATE_VARIABLES[params.template])
        throw new AppError('not-found', `No template ${params.template}`);
      const allowed = (TEMPLATE_VARIABLES[params.template] ?? []).join(', ');
      const unknown = (['subject', 'body'] as const).flatMap((field) =>
        unknownVariables(params.template, body[field]).map((name) => ({ field, name })),
      );
      if (unknown.length > 0) {
        throw new AppError(
          'validation',
          `Unknown variables: ${unknown.map((u) => u.name).join(', ')}`,
          {
            errors: unknown.map((u) => ({
              field: u.field,
              message: `{{${u.name}}} is not one of ${allowed}`,
            })),
          },
        );
      }
      await db.query(
        `INSERT INTO notification_templates (template, channel, subject, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (template, channel) DO UPDATE SET subject = $3, body = $4, updated_at = now()`,
        [params.template, params.channel, body.subject, body.body],
      );
      return { template: params.template, channel: params.channel, ...body };
    }),
  );
}
