// The hub's REST API as the terminal uses it. Errors come back as RFC 9457 problem+json; the
// terminal shows their `detail` (and the fields that are wrong), never a blank screen.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
  get needsApproval(): boolean {
    return this.extra.needsApproval === true;
  }
}

/** The hub did not answer at all (down, restarting, cable out). */
export class HubUnreachable extends Error {
  constructor() {
    super('The hub is not reachable. Your order is kept; try again in a moment.');
  }
}

let token = localStorage.getItem('pos.token') ?? '';

/**
 * How far the hub's clock is ahead of this screen's, from the `Date` of its answers, so that
 * ages shown here ("3 s ago") are the hub's even on a device whose clock is wrong. The header
 * has whole seconds, so half a second is added to centre the estimate.
 */
let hubOffsetMs = 0;

/** Now, by the hub's clock. */
export function hubNow(): number {
  return Date.now() + hubOffsetMs;
}

let onSignedOut: () => void = () => {};

export function setToken(next: string): void {
  token = next;
  if (next) localStorage.setItem('pos.token', next);
  else localStorage.removeItem('pos.token');
}

export function hasToken(): boolean {
  return token !== '';
}

export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

export async function api<T = unknown>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  options: { idempotencyKey?: string; etag?: string } = {},
): Promise<{ status: number; body: T; etag: string | null }> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
        ...(options.etag ? { 'if-none-match': options.etag } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new HubUnreachable();
  }
  const hubDate = Date.parse(res.headers.get('date') ?? '');
  if (Number.isFinite(hubDate)) hubOffsetMs = hubDate + 500 - Date.now();
  if (res.status === 304) return { status: 304, body: undefined as T, etag: options.etag ?? null };
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.status >= 200 && res.status < 300) {
    return { status: res.status, body: parsed as T, etag: res.headers.get('etag') };
  }
  if (res.status === 401 && path !== '/api/v1/staff/login') {
    setToken('');
    onSignedOut();
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    if (!parsed) throw new HubUnreachable();
  }
  const problem = (parsed ?? {}) as Record<string, unknown> & {
    detail?: string;
    title?: string;
    errors?: FieldError[];
  };
  const { detail, title, errors, ...extra } = problem;
  throw new ApiError(
    res.status,
    detail ?? title ?? `The hub answered ${res.status}`,
    errors ?? [],
    extra,
  );
}

/** A time-ordered UUID (v7), as the hub expects for order and payment IDs. */
export function uuidv7(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const now = Date.now();
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(now / 2 ** (8 * (5 - i))) % 256;
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function money(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

export function describe(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return fields ? `${err.detail} (${fields})` : err.detail;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
