import { type ZodType, z } from 'zod';

// An OpenAPI 3.1 description of a service, written next to its routes from the same zod
// schemas that validate them, so the document cannot drift from what the service accepts.

export interface DocumentedRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express style (`/api/v1/payments/:id`); written as `{id}` in the document. */
  path: string;
  summary: string;
  tags?: string[];
  body?: ZodType;
  query?: ZodType;
  /** The status of a successful answer (default 200). */
  status?: number;
  /** `bearer` when the route needs a token. */
  auth?: 'bearer';
}

type Json = Record<string, unknown>;

function schemaOf(schema: ZodType): Json {
  try {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
    }) as Json;
    return rest;
  } catch {
    return {};
  }
}

export class OpenApi {
  readonly #routes: DocumentedRoute[] = [];

  constructor(private readonly info: { title: string; version: string; description?: string }) {}

  add(...routes: DocumentedRoute[]): this {
    this.#routes.push(...routes);
    return this;
  }

  document(): Json {
    const paths: Record<string, Record<string, Json>> = {};
    for (const r of this.#routes) {
      const path = r.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const params = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      const query =
        r.query === undefined
          ? []
          : Object.entries((schemaOf(r.query).properties ?? {}) as Record<string, Json>).map(
              ([name, schema]) => ({
                name,
                in: 'query',
                required: false,
                schema,
              }),
            );
      paths[path] ??= {};
      (paths[path] as Record<string, Json>)[r.method] = {
        summary: r.summary,
        ...(r.tags ? { tags: r.tags } : {}),
        ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
        ...(r.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: schemaOf(r.body) } },
              },
            }
          : {}),
        ...(r.auth ? { security: [{ bearer: [] }] } : {}),
        responses: {
          [String(r.status ?? 200)]: { description: 'Done' },
          default: {
            description: 'A problem (RFC 9457)',
            content: {
              'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
            },
          },
        },
      };
    }
    return {
      openapi: '3.1.0',
      info: this.info,
      paths,
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        schemas: {
          Problem: {
            type: 'object',
            properties: {
              type: { type: 'string' },
              title: { type: 'string' },
              status: { type: 'integer' },
              detail: { type: 'string' },
              instance: { type: 'string' },
              correlationId: { type: 'string' },
              errors: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { field: { type: 'string' }, message: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    };
  }
}
