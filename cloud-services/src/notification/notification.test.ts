import { makeEvent, uuidv7 } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import { CLOUD_EXCHANGE, SharedPglite, type StartedService } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import amqp from 'amqplib';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNotificationService } from './service.js';

// Notifications on PostgreSQL and PGlite, delivered by email to a real SMTP server started
// here, with templates rendered, opt-outs kept, and events from RabbitMQ sent once.

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const logger = createLogger({ service: 'notification-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const pg = lazyTestDatabase('pos_notification_test');

interface Mail {
  to: string;
  subject: string;
  text: string;
}
const inbox: Mail[] = [];
let smtp: SMTPServer;
let smtpPort = 0;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((m) => {
          const to = Array.isArray(m.to) ? m.to[0]?.text : m.to?.text;
          inbox.push({ to: to ?? '', subject: m.subject ?? '', text: (m.text ?? '').trim() });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  await pglite.close();
  await pg.dispose();
});

const env = () => ({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, AMQP_URL, NOTIFY_EVERY_MS: '100' });
const targets = [
  {
    kind: 'postgres',
    start: async () =>
      startNotificationService({
        env: { ...env(), NOTIFICATION_DATABASE_URL: (await pg.get()).url },
        host: '127.0.0.1',
        port: 0,
        logger,
      }),
  },
  {
    kind: 'pglite',
    start: () =>
      startNotificationService({
        env: env(),
        embedded: pglite,
        host: '127.0.0.1',
        port: 0,
        logger,
      }),
  },
] as const;

const until = async (check: () => boolean | Promise<boolean>) => {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('not in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

for (const target of targets) {
  describe(`notifications on ${target.kind}`, () => {
    let svc: StartedService;
    beforeAll(async () => {
      svc = await target.start();
      await new Promise((r) => setTimeout(r, 500)); // the consumer binds its queue
    });
    afterAll(async () => {
      await svc?.stop();
    });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${svc.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    it('emails the rendered template through SMTP and logs it as sent', async () => {
      const to = `ada-${target.kind}@example.com`;
      const queued = await call('POST', '/api/v1/notifications/send', {
        channel: 'email',
        template: 'order-ready',
        recipient: to,
        variables: { orderNumber: 42, name: 'Ada' },
      });
      expect(queued.status).toBe(202);
      await until(() => inbox.some((m) => m.to === to));
      const mail = inbox.find((m) => m.to === to);
      expect(mail?.subject).toBe('Order #42 is ready');
      expect(mail?.text).toBe('Hi Ada, your order #42 is ready to collect.');
      await until(async () => {
        const log = (await call('GET', '/api/v1/notifications/logs?status=sent')).body
          .notifications as { recipient: string }[];
        return log.some((n) => n.recipient === to);
      });
    });

    it('refuses a template with an unknown variable, and keeps opt-outs', async () => {
      const bad = await call('PUT', '/api/v1/notifications/templates/order-ready/email', {
        subject: 'Ready',
        body: 'Order {{orderNumber}} for {{creditCard}}',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toContain('creditCard');
      expect(bad.body.errors).toEqual([
        { field: 'body', message: '{{creditCard}} is not one of orderNumber, name' },
      ]);
      const badSubject = await call('PUT', '/api/v1/notifications/templates/order-ready/email', {
        subject: 'Ready, {{surname}}',
        body: 'Order {{orderNumber}}',
      });
      expect(badSubject.body.errors).toEqual([
        { field: 'subject', message: '{{surname}} is not one of orderNumber, name' },
      ]);
      const good = await call('PUT', '/api/v1/notifications/templates/points-earned/email', {
        subject: 'Points!',
        body: 'You earned {{points}}; balance {{balance}}.',
      });
      expect(good.status).toBe(200);

      const userId = uuidv7();
      expect(
        (await call('PUT', `/api/v1/notifications/preferences/${userId}`, { email: false })).body
          .channels,
      ).toEqual({ email: false });
      const skipped = await call('POST', '/api/v1/notifications/send', {
        channel: 'email',
        template: 'points-earned',
        recipient: 'optout@example.com',
        variables: { points: 5, balance: 10 },
        userId,
      });
      expect(skipped.body.status).toBe('skipped');
      await new Promise((r) => setTimeout(r, 300));
      expect(inbox.some((m) => m.to === 'optout@example.com')).toBe(false);
      expect(
        (
          await call('POST', '/api/v1/notifications/send', {
            channel: 'email',
            template: 'nope',
            recipient: 'x',
            variables: {},
          })
        ).status,
      ).toBe(404);
    });

    it('lists every template and channel with the variables it may use', async () => {
      const listed = await call('GET', '/api/v1/notifications/templates');
      expect(listed.status).toBe(200);
      const templates = listed.body.templates as {
        template: string;
        channel: string;
        subject: string;
        body: string;
        variables: string[];
      }[];
      expect(templates.map((t) => `${t.template}/${t.channel}`)).toEqual(
        expect.arrayContaining([
          'e-receipt/email',
          'low-stock/email',
          'order-ready/email',
          'order-ready/sms',
          'points-earned/email',
        ]),
      );
      expect(templates.find((t) => t.template === 'order-ready' && t.channel === 'sms')).toEqual(
        expect.objectContaining({
          subject: '',
          body: 'Order #{{orderNumber}} is ready to collect.',
          variables: ['orderNumber', 'name'],
        }),
      );
      await call('PUT', '/api/v1/notifications/templates/low-stock/email', {
        subject: 'Reorder {{ingredient}}',
        body: '{{ingredient}}: {{available}} {{unit}} left.',
      });
      const after = (await call('GET', '/api/v1/notifications/templates')).body.templates as {
        template: string;
        subject: string;
      }[];
      expect(after.find((t) => t.template === 'low-stock')?.subject).toBe('Reorder {{ingredient}}');
    });

    it('sends an e-receipt for a payment event once, however often it is delivered', async () => {
      const to = `receipt-${target.kind}-${Date.now()}@example.com`;
      const event = makeEvent(
        'payment.completed.v1',
        {
          paymentId: uuidv7(),
          orderId: uuidv7(),
          tender: 'cash',
          amountCents: 2_430,
          tipCents: 0,
          currency: 'USD',
          customer: { email: to },
          categoryAmounts: [],
          completedAt: new Date().toISOString(),
        } as never,
        { source: 'payments-service', correlationId: uuidv7() as never },
      );
      const connection = await amqp.connect(AMQP_URL);
      const channel = await connection.createConfirmChannel();
      for (let i = 0; i < 2; i++) {
        channel.publish(CLOUD_EXCHANGE, 'payment.completed.v1', Buffer.from(JSON.stringify(event)));
      }
      await channel.waitForConfirms();
      await connection.close();
      await until(() => inbox.some((m) => m.to === to));
      await new Promise((r) => setTimeout(r, 500));
      const mails = inbox.filter((m) => m.to === to);
      expect(mails).toHaveLength(1);
      expect(mails[0]?.subject).toBe('Your receipt: $24.30');
    });

    it('tells a loyalty member the points a visit earned, once', async () => {
      const to = `member-${target.kind}-${Date.now()}@example.com`;
      const event = makeEvent(
        'loyalty.pointsearned.v1',
        { customerId: uuidv7(), points: 125, balance: 640, email: to } as never,
        { source: 'loyalty-service', correlationId: uuidv7() as never },
      );
      const connection = await amqp.connect(AMQP_URL);
      const channel = await connection.createConfirmChannel();
      for (let i = 0; i < 2; i++) {
        channel.publish(
          CLOUD_EXCHANGE,
          'loyalty.pointsearned.v1',
          Buffer.from(JSON.stringify(event)),
        );
      }
      await channel.waitForConfirms();
      await connection.close();
      await until(() => inbox.some((m) => m.to === to));
      await new Promise((r) => setTimeout(r, 500));
      const mails = inbox.filter((m) => m.to === to);
      expect(mails).toHaveLength(1);
      expect(`${mails[0]?.subject} ${mails[0]?.text}`).toMatch(/125.*640/s);
    });
  });
}
