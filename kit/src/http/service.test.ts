import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { openSqlite } from '../sqlite/db.js';
import { idempotencySchema, SqliteIdempotencyStore } from '../sqlite/idempotency-store.js';
import { idempotency } from './idempotency.js';
import { createHttpService, type RunningServer } from './service.js';
import { handle } from './validate.js';

const Thing = z.object({
  name: z.string().min(1),
  quantity: z.number().int().min(1).max(999),
});

let server: RunningServer;
let created = 0;

beforeAll(async () => {
  const db = openSqlite({ path: ':memory:', schemas: [idempotencySchema] });
  const service = createHttpService({
    name: 'test-service',
    logger: createLogger({ service: 'test', level: 'silent' }),
    bodyLimit: '1kb',
    routes: (app) => {
      app.use(idempotency({ store: new SqliteIdempotencyStore(db) }));
      app.post(
        '/things',
        handle({ body: Thing }, ({ body }, _req, res) => {
          created += 1;
          res.status(201).location(`/things/${created}`);
          return { id: created, ...body };
        }),
      );
      app.get(
        '/things/:id',
        handle({ params: z.object({ id: z.coerce.number().int().positive() }) }, ({ params }) => {
          if (params.id > created)
            throw new AppError('not-found', `thing ${params.id} was not found`);
          return { id: params.id };
        }),
      );
      app.post('/conflict', () => {
        throw new AppError('conflict', 'that would break a rule');
      });
      app.get('/boom', () => {
        throw new Error('database password is hunter2');
      });
    },
  });
  server = await service.listen(0);
});

afterAll(() => server.close());

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface ProblemBody {
  status: number;
  type: string;
  title: string;
  detail: string;
  correlationId?: string;
  errors: { field: string; message: string }[];
}

async function expectProblem(res: Response, status: number, type: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await res.json()) as ProblemBody;
  expect(problem).toMatchObject({ status, type: `urn:pos:problem:${type}` });
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  expect(problem.correlationId).toBe(res.headers.get('x-correlation-id'));
  return problem;
}

describe('service kit conventions', () => {
  it('answers health, readiness and metrics', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    await post('/things', { name: 'x', quantity: 1 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/things"[^}]*status="201"/);
    expect(metrics).toMatch(/http_request_duration_seconds_bucket/);
  });

  it('lists every bad field in a 400', async () => {
    const res = await post('/things', { name: '', quantity: 1.5 });
    const problem = await expectProblem(res, 400, 'validation');
    const fields = problem.errors.map((e) => e.field).sort();
    expect(fields).toEqual(['name', 'quantity']);
  });

  it('answers malformed JSON with a 400', async () => {
    await expectProblem(await post('/things', '{"name": '), 400, 'malformed-json');
  });

  it('answers bad path parameters with a 400 naming them', async () => {
    const res = await fetch(`${server.url}/things/abc`);
    const problem = await expectProblem(res, 400, 'validation');
    expect(problem.errors[0]?.field).toBe('params.id');
  });

  it('answers unknown routes and resources with a 404', async () => {
    await expectProblem(await fetch(`${server.url}/nowhere`), 404, 'not-found');
    await expectProblem(await fetch(`${server.url}/things/99999`), 404, 'not-found');
  });

  it('answers a broken business rule with a 409', async () => {
    await expectProblem(await post('/conflict', {}), 409, 'conflict');
  });

  it('answers a body over the limit with a 413', async () => {
    const res = await post('/things', { name: 'x'.repeat(5_000), quantity: 1 });
    await expectProblem(res, 413, 'payload-too-large');
  });

  it('hides the internals of a fault behind a 500 problem', async () => {
    const res = await fetch(`${server.url}/boom`);
    const problem = await expectProblem(res, 500, 'internal');
    expect(JSON.stringify(problem)).not.toContain('hunter2');
  });

  it('passes a caller correlation ID through and makes one otherwise', async () => {
    const id = randomUUID();
    const res = await fetch(`${server.url}/health`, { headers: { 'x-correlation-id': id } });
    expect(res.headers.get('x-correlation-id')).toBe(id);
    const fresh = await fetch(`${server.url}/health`, {
      headers: { 'x-correlation-id': 'not-a-uuid' },
    });
    expect(fresh.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('Idempotency-Key', () => {
  it('replays the stored response for a repeated POST and does the work once', async () => {
    const key = randomUUID();
    const before = created;
    const first = await post('/things', { name: 'soup', quantity: 2 }, { 'idempotency-key': key });
    const second = await post('/things', { quantity: 2, name: 'soup' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(await second.json()).toEqual(await first.json());
    expect(created).toBe(before + 1);
  });

  it('refuses the same key with a different body with a 409', async () => {
    const key = randomUUID();
    expect(
      (await post('/things', { name: 'a', quantity: 1 }, { 'idempotency-key': key })).status,
    ).toBe(201);
    const reuse = await post('/things', { name: 'b', quantity: 1 }, { 'idempotency-key': key });
    await expectProblem(reuse, 409, 'idempotency-key-reuse');
  });

  it('releases the key of a refused request, so the corrected retry runs', async () => {
    const key = randomUUID();
    const before = created;
    expect(
      (await post('/things', { name: '', quantity: 1 }, { 'idempotency-key': key })).status,
    ).toBe(400);
    const fixed = await post('/things', { name: 'tea', quantity: 1 }, { 'idempotency-key': key });
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    expect(created).toBe(before + 1);
  });

  it('keeps a business-rule 409 as the answer to that key', async () => {
    const key = randomUUID();
    await expectProblem(await post('/conflict', {}, { 'idempotency-key': key }), 409, 'conflict');
    const again = await post('/conflict', {}, { 'idempotency-key': key });
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('rejects a malformed key', async () => {
    const res = await post('/things', { name: 'a', quantity: 1 }, { 'idempotency-key': 'a b' });
    await expectProblem(res, 400, 'validation');
  });
});
