import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** Someone the test provider can sign in: their ID token's claims. */
export interface IdpAccount {
  email: string;
  email_verified: boolean;
  name: string;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who the provider's sign-in page signs in next (it asks nothing). */
  signInAs(accountId: string): void;
  close(): Promise<void>;
}

const CLIENT_ID = 'pos';
const CLIENT_SECRET = 'pos-secret-that-is-long-enough-0123456789';

/**
 * A real OpenID Connect provider (`oidc-provider`) on a free local port, for tests of social
 * sign-in: authorization code with PKCE, one confidential client, and a sign-in page that
 * signs in the chosen account at once and consents to `openid email profile`.
 */
export async function startTestIdp(
  redirectUris: string[],
  accounts: Record<string, IdpAccount>,
): Promise<TestIdp> {
  let next = Object.keys(accounts)[0] ?? '';
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, ...accounts[id] }),
    }),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['a-cookie-signing-key-for-the-test'] },
  });
  const handle = provider.callback();
  server.on('request', async (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({
        accountId: next,
        clientId: String(details.params.client_id),
      });
      grant.addOIDCScope('openid email profile');
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: next }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    handle(req, res);
  });
  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    signInAs(accountId) {
      next = accountId;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
