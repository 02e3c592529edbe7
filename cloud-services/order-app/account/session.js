// A guest's sign-in for the ordering app: registration and sign-in through the gateway's auth
// routes, the tokens kept in this tab's sessionStorage only (never in an address or a log), and
// the access token refreshed by the auth service's refresh flow (the refresh token is rotated
// on every use, so one refresh at a time).

import { ApiError, api } from '../lib.js';

const KEY = 'order.session';
/** Refresh a little before the access token expires (15 minutes). */
const EARLY_MS = 30_000;

function read() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return s && typeof s.accessToken === 'string' && typeof s.refreshToken === 'string' ? s : null;
  } catch {
    return null;
  }
}

/** The claims of our own access token, for display only (the server verifies it). */
function claims(accessToken) {
  try {
    const part = accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part));
  } catch {
    return {};
  }
}

function save(pair, extra = {}) {
  const c = claims(pair.accessToken);
  const previous = read() ?? {};
  const session = {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + (Number(pair.expiresIn) || 900) * 1000,
    email: typeof c.email === 'string' ? c.email : (previous.email ?? ''),
    name: extra.name ?? previous.name ?? '',
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/** The signed-in guest (`{ email, name }`), or null. */
export function currentGuest() {
  const s = read();
  return s ? { email: s.email, name: s.name } : null;
}

/** The guest's name as the loyalty account knows it (the token carries none), for checkout. */
export function rememberName(name) {
  const s = read();
  if (s && name && !s.name) sessionStorage.setItem(KEY, JSON.stringify({ ...s, name }));
}

export async function signIn(email, password) {
  const pair = await api('POST', '/api/v1/auth/login', { body: { email, password } });
  return save(pair);
}

/** Which provider a social sign-in under way went to (this tab only, cleared on return). */
const SOCIAL_KEY = 'order.social';

/** The social sign-in providers (`[{ name, label }]`); none when the cloud cannot be reached. */
export async function socialProviders() {
  try {
    return (await api('GET', '/api/v1/auth/oauth/providers')).providers ?? [];
  } catch {
    return [];
  }
}

/** Off to the provider's sign-in page; it sends the browser back here with a code. */
export async function startSocial(provider, label = provider) {
  const { authorizationUrl } = await api(
    'POST',
    `/api/v1/auth/oauth/${encodeURIComponent(provider)}/start`,
    { body: {} },
  );
  sessionStorage.setItem(SOCIAL_KEY, JSON.stringify({ provider, label }));
  location.assign(authorizationUrl);
}

/**
 * Back from the provider (`?code=…&state=…`, or `?error=…`): the code is exchanged once, by the
 * auth service, for our own tokens. Null when this page was not opened by a provider.
 */
export async function finishSocial(params) {
  let provider;
  let label;
  try {
    ({ provider, label } = JSON.parse(sessionStorage.getItem(SOCIAL_KEY) ?? '{}'));
  } catch {
    provider = undefined;
  }
  const code = params.get('code');
  const state = params.get('state');
  const error = params.get('error');
  if (!provider || (!code && !error)) return null;
  sessionStorage.removeItem(SOCIAL_KEY);
  if (error || !code || !state) {
    throw new ApiError(401, {
      detail:
        error === 'access_denied'
          ? `Signing in with ${label} was cancelled.`
          : `${label} did not sign you in. Try again, or use your email.`,
    });
  }
  const pair = await api('POST', '/api/v1/auth/oauth/callback', {
    body: { provider, code, state },
  });
  return save(pair);
}

/** A new customer account, signed in at once. */
export async function register(email, password, displayName) {
  await api('POST', '/api/v1/auth/register', { body: { email, password, displayName } });
  const pair = await api('POST', '/api/v1/auth/login', { body: { email, password } });
  return save(pair, { name: displayName });
}

export async function signOut() {
  const s = read();
  sessionStorage.removeItem(KEY);
  if (s) {
    // Ends the session on the server too; the tab has forgotten the tokens either way.
    await api('POST', '/api/v1/auth/logout', { body: { refreshToken: s.refreshToken } }).catch(
      () => {},
    );
  }
}

let refreshing;

/** New tokens now (after the email is confirmed, so the token says so). */
export async function renewSession() {
  return refresh();
}

/** One refresh at a time: a rotated refresh token presented twice would end the session. */
function refresh() {
  refreshing ??= (async () => {
    const s = read();
    if (!s) throw new ApiError(401, { detail: 'Sign in first' });
    try {
      return save(
        await api('POST', '/api/v1/auth/refresh-token', {
          body: { refreshToken: s.refreshToken },
        }),
      );
    } catch (err) {
      if (err.status === 400 || err.status === 401) sessionStorage.removeItem(KEY);
      throw err;
    }
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/** Call the gateway as the signed-in guest; refreshes the access token when it is due. */
export async function asGuest(method, path, options = {}) {
  let s = read();
  if (!s) throw new ApiError(401, { detail: 'Sign in first' });
  if (s.expiresAt - Date.now() < EARLY_MS) s = await refresh();
  try {
    return await api(method, path, { ...options, token: s.accessToken });
  } catch (err) {
    if (err.status !== 401) throw err;
    // Expired early (clock skew, a rotated key): once more with a fresh token.
    s = await refresh();
    return api(method, path, { ...options, token: s.accessToken });
  }
}
