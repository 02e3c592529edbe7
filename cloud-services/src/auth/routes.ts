import { AppError, handle, OpenApi } from '@pos/kit';
import type { Express, Request } from 'express';
import { z } from 'zod';
import type { AuthService } from './auth-service.js';
import type { OidcLogin } from './oauth.js';
import type { StaffDirectory } from './staff.js';

const Email = z.email({ message: 'not an email address' }).max(320);
const Password = z.string().min(10, { message: 'at least 10 characters' }).max(200);
const Token = z
  .string()
  .min(1)
  .max(8 * 1024, { message: 'the token is too large' });

const RegisterBody = z
  .object({ email: Email, password: Password, displayName: z.string().trim().min(1).max(100) })
  .strict();
const ConfirmBody = z
  .object({ code: z.string().regex(/^\d{6}$/, { message: 'the six digits from the email' }) })
  .strict();
const LoginBody = z.object({ email: Email, password: z.string().min(1).max(200) }).strict();
const RefreshBody = z.object({ refreshToken: Token }).strict();
const ValidateBody = z.object({ token: Token }).strict();
const SessionParams = z.object({ id: z.uuid() });

const StaffRole = z.enum(['owner', 'manager', 'cashier', 'cook']);
const NewStaffBody = z
  .object({
    email: Email,
    displayName: z.string().trim().min(1).max(100),
    roles: z.array(StaffRole).min(1).max(4),
    storeIds: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/)).max(100),
    organisationId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
      .optional(),
    pin: z
      .string()
      .regex(/^[0-9]{4,8}$/, { message: '4 to 8 digits' })
      .optional(),
    password: Password.optional(),
  })
  .strict();
const RolesBody = z
  .object({
    roles: z
      .array(
        z.enum(['owner', 'manager', 'cashier', 'cook', 'customer', 'loyalty-member', 'service']),
      )
      .max(7),
  })
  .strict();
const StaffChangeBody = z
  .object({
    pin: z
      .string()
      .regex(/^[0-9]{4,8}$/, { message: '4 to 8 digits' })
      .optional(),
    storeIds: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/))
      .max(100)
      .optional(),
    displayName: z.string().trim().min(1).max(100).optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field to change' });
const StaffListQuery = z
  .object({
    storeId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
      .optional(),
  })
  .strict();
const StoreParams = z.object({ storeId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/) });
const UserParams = z.object({ id: z.uuid() });
const ClientBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    roles: z.array(z.literal('service')).min(1).max(1),
  })
  .strict();
const TokenBody = z
  .object({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().min(1).max(100),
    client_secret: z.string().min(1).max(200),
  })
  .strict();

/** Seed §1.2 endpoints, plus the JWKS, sessions, key rotation, staff, rosters and machine accounts. */
const ProviderParams = z.object({ provider: z.string().regex(/^[a-z0-9-]{1,32}$/) });
const CallbackBody = z
  .object({
    provider: z.string().regex(/^[a-z0-9-]{1,32}$/),
    code: z.string().min(1).max(2_000),
    state: z.string().min(1).max(200),
  })
  .strict();

export function authRoutes(
  app: Express,
  auth: AuthService,
  staff: StaffDirectory,
  oidc: OidcLogin,
): void {
  const tags = ['auth'];
  const docs = new OpenApi({ title: 'Auth service', version: '1.0.0' }).add(
    {
      method: 'get',
      path: '/api/v1/auth/.well-known/jwks.json',
      summary: 'Public keys that sign access tokens',
      tags,
    },
    {
      method: 'post',
      path: '/api/v1/auth/register',
      summary: 'Create a customer account',
      tags,
      body: RegisterBody,
      status: 201,
    },
    {
      method: 'post',
      path: '/api/v1/auth/email/confirm',
      summary: "Confirm the signed-in customer's email with the code sent to it",
      tags,
      body: ConfirmBody,
      auth: 'bearer',
    },
    {
      method: 'post',
      path: '/api/v1/auth/email/code',
      summary: "Send a new code to the signed-in customer's email (at most every 30 s)",
      tags,
      auth: 'bearer',
    },
    {
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Sign in; access and refresh tokens',
      tags,
      body: LoginBody,
    },
    {
      method: 'post',
      path: '/api/v1/auth/refresh-token',
      summary: 'Rotate a refresh token',
      tags,
      body: RefreshBody,
    },
    {
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'End the session',
      tags,
      body: RefreshBody,
      status: 204,
    },
    {
      method: 'post',
      path: '/api/v1/auth/validate-token',
      summary: 'Check an access token',
      tags,
      body: ValidateBody,
    },
    { method: 'get', path: '/api/v1/auth/sessions', summary: 'My sessions', tags, auth: 'bearer' },
    {
      method: 'delete',
      path: '/api/v1/auth/sessions/:id',
      summary: 'End one of my sessions',
      tags,
      auth: 'bearer',
      status: 204,
    },
    {
      method: 'post',
      path: '/api/v1/auth/users',
      summary: 'Add a staff member',
      tags,
      body: NewStaffBody,
      auth: 'bearer',
      status: 201,
    },
    {
      method: 'get',
      path: '/api/v1/auth/users',
      summary: 'Staff, of one store or all (no PIN or password hashes)',
      tags,
      query: StaffListQuery,
      auth: 'bearer',
    },
    {
      method: 'patch',
      path: '/api/v1/auth/users/:id',
      summary: "Change a staff member's PIN, stores, name or whether they work here",
      tags,
      body: StaffChangeBody,
      auth: 'bearer',
    },
    {
      method: 'put',
      path: '/api/v1/auth/users/:id/roles',
      summary: "Replace a user's roles",
      tags,
      body: RolesBody,
      auth: 'bearer',
    },
    {
      method: 'get',
      path: '/api/v1/auth/stores/:storeId/roster',
      summary: "A store's staff with PIN hashes",
      tags,
      auth: 'bearer',
    },
    {
      method: 'post',
      path: '/api/v1/auth/clients',
      summary: 'Add a machine account',
      tags,
      body: ClientBody,
      auth: 'bearer',
      status: 201,
    },
    {
      method: 'post',
      path: '/api/v1/auth/token',
      summary: 'Client credentials: a service token',
      tags,
      body: TokenBody,
    },
    {
      method: 'post',
      path: '/api/v1/auth/keys/rotate',
      summary: 'Start a new signing key',
      tags,
      auth: 'bearer',
    },
    {
      method: 'get',
      path: '/api/v1/auth/oauth/providers',
      summary: 'Social sign-in providers',
      tags,
    },
    {
      method: 'post',
      path: '/api/v1/auth/oauth/:provider/start',
      summary: 'Start a social sign-in (PKCE)',
      tags,
    },
    {
      method: 'post',
      path: '/api/v1/auth/oauth/callback',
      summary: 'Finish a social sign-in',
      tags,
      body: CallbackBody,
    },
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(docs.document());
  });
  app.get(
    '/api/v1/auth/oauth/providers',
    handle({}, () => ({ providers: oidc.list() })),
  );
  app.post(
    '/api/v1/auth/oauth/:provider/start',
    handle({ params: ProviderParams }, ({ params }) => oidc.start(params.provider)),
  );
  app.post(
    '/api/v1/auth/oauth/callback',
    handle({ body: CallbackBody }, async ({ body }) =>
      auth.startSession(await oidc.callback(body)),
    ),
  );
  const bearer = async (req: Request) => {
    const match = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    if (!match?.[1]) {
      throw new AppError('unauthenticated', 'Sign in first', {
        headers: { 'WWW-Authenticate': 'Bearer realm="pos-api"' },
      });
    }
    return auth.verify(match[1]);
  };

  app.get(
    '/api/v1/auth/.well-known/jwks.json',
    handle({}, async (_input, _req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      return auth.keys.jwks();
    }),
  );
  app.post(
    '/api/v1/auth/register',
    handle({ body: RegisterBody }, async ({ body }, _req, res) => {
      res.status(201);
      return auth.register(body);
    }),
  );
  app.post(
    '/api/v1/auth/email/confirm',
    handle({ body: ConfirmBody }, async ({ body }, req) =>
      auth.emails.confirm((await bearer(req)).sub, body.code),
    ),
  );
  app.post(
    '/api/v1/auth/email/code',
    handle({}, async (_input, req) => auth.emails.resend((await bearer(req)).sub)),
  );
  app.post(
    '/api/v1/auth/login',
    handle({ body: LoginBody }, ({ body }) => auth.login(body)),
  );
  app.post(
    '/api/v1/auth/refresh-token',
    handle({ body: RefreshBody }, ({ body }) => auth.refresh(body.refreshToken)),
  );
  app.post(
    '/api/v1/auth/logout',
    handle({ body: RefreshBody }, async ({ body }, _req, res) => {
      await auth.logout(body.refreshToken);
      res.status(204);
    }),
  );
  app.post(
    '/api/v1/auth/validate-token',
    handle({ body: ValidateBody }, async ({ body }) => ({
      valid: true,
      claims: await auth.verify(body.token),
    })),
  );
  app.get(
    '/api/v1/auth/sessions',
    handle({}, async (_input, req) => ({ sessions: await auth.sessions((await bearer(req)).sub) })),
  );
  app.delete(
    '/api/v1/auth/sessions/:id',
    handle({ params: SessionParams }, async ({ params }, req, res) => {
      await auth.revokeSession((await bearer(req)).sub, params.id);
      res.status(204);
    }),
  );
  const needs = async (req: Request, roles: readonly string[]) => {
    const claims = await bearer(req);
    if (!claims.roles.some((r) => roles.includes(r))) {
      throw new AppError('forbidden', `This needs one of the roles: ${roles.join(', ')}`);
    }
    return claims;
  };
  app.post(
    '/api/v1/auth/users',
    handle({ body: NewStaffBody }, async ({ body }, req, res) => {
      const by = await needs(req, ['owner', 'manager']);
      res.status(201);
      return staff.create(body, by);
    }),
  );
  app.get(
    '/api/v1/auth/users',
    handle({ query: StaffListQuery }, async ({ query }, req) => {
      await needs(req, ['owner', 'manager']);
      return { staff: await staff.list(query.storeId) };
    }),
  );
  app.patch(
    '/api/v1/auth/users/:id',
    handle({ params: UserParams, body: StaffChangeBody }, async ({ params, body }, req) =>
      staff.update(params.id, body, await needs(req, ['owner', 'manager'])),
    ),
  );
  app.put(
    '/api/v1/auth/users/:id/roles',
    handle({ params: UserParams, body: RolesBody }, async ({ params, body }, req) =>
      staff.setRoles(params.id, body.roles, await needs(req, ['owner'])),
    ),
  );
  app.get(
    '/api/v1/auth/stores/:storeId/roster',
    handle({ params: StoreParams }, async ({ params }, req) => {
      await needs(req, ['service', 'owner', 'manager']);
      return { storeId: params.storeId, staff: await staff.roster(params.storeId) };
    }),
  );
  app.post(
    '/api/v1/auth/clients',
    handle({ body: ClientBody }, async ({ body }, req, res) => {
      await needs(req, ['owner']);
      res.status(201);
      return staff.createClient(body.name, body.roles);
    }),
  );
  app.post(
    '/api/v1/auth/token',
    handle({ body: TokenBody }, ({ body }) =>
      staff.clientToken(body.client_id, body.client_secret),
    ),
  );
  app.post(
    '/api/v1/auth/keys/rotate',
    handle({}, async (_input, req) => {
      const claims = await bearer(req);
      if (!claims.roles.includes('owner') && !claims.roles.includes('service')) {
        throw new AppError('forbidden', 'Only an owner or a service may rotate the signing key');
      }
      const key = await auth.keys.rotate();
      return { kid: key.kid };
    }),
  );
}
