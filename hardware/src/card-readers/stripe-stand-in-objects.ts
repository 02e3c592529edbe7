import { randomBytes } from 'node:crypto';

// Stripe-shaped objects and errors for the stand-in (`stripe-stand-in.ts`), after
// https://docs.stripe.com/api/charges/object, /api/terminal/readers/object and /api/errors.

export type StandInOutcome =
  | 'approve'
  | 'decline'
  | 'insufficient-funds'
  | 'expired-card'
  | 'customer-cancel'
  /** Nothing ever happens on the reader (a test helper can still present a card). */
  | 'timeout';

export interface StandInReaderConfig {
  /** 'wait' (default): the action stays in progress until the present_payment_method test
   *  helper is called, as with Stripe's simulated readers. Otherwise the outcome, after
   *  `autoPresentMs` (default 20 ms). */
  behaviour?: StandInOutcome | 'wait';
  autoPresentMs?: number;
  online?: boolean;
}

export interface StripeErrorBody {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
}

/** An API error as Stripe returns it: `{ error: { type, code, decline_code, message } }`. */
export class StandInApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

export type Obj = Record<string, unknown>;
export type ReaderObject = Obj & { action: Obj | null; status: string };

export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
export const now = () => Math.floor(Date.now() / 1000);

export const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation'];

export const DECLINES: Record<
  string,
  Pick<StripeErrorBody, 'code' | 'decline_code' | 'message'>
> = {
  decline: {
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
  'insufficient-funds': {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  'expired-card': {
    code: 'expired_card',
    decline_code: 'expired_card',
    message: 'Your card has expired.',
  },
};

export function invalid(
  message: string,
  code?: string,
  param?: string,
  status = 400,
): StandInApiError {
  return new StandInApiError(status, { type: 'invalid_request_error', message, code, param });
}

export function missing(kind: string, id: string, param: string): StandInApiError {
  return invalid(`No such ${kind}: '${id}'`, 'resource_missing', param, 404);
}

export function int(params: Obj, name: string, required: boolean): number | undefined {
  const raw = params[name];
  if (raw === undefined) {
    if (required) throw invalid(`Missing required param: ${name}.`, 'parameter_missing', name);
    return undefined;
  }
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n)) {
    throw invalid(`Invalid integer: ${String(raw)}`, 'parameter_invalid_integer', name);
  }
  return n;
}

export function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'object' && value !== null) return Object.values(value).map(String);
  return typeof value === 'string' ? [value] : [];
}

export function newReaderObject(id: string, online: boolean): ReaderObject {
  return {
    id,
    object: 'terminal.reader',
    action: null,
    device_sw_version: '2.42.0',
    device_type: 'simulated_wisepos_e',
    ip_address: '0.0.0.0',
    label: `Stand-in ${id}`,
    last_seen_at: Date.now(),
    livemode: false,
    location: null,
    metadata: {},
    serial_number: `SIM-${id}`,
    status: online ? 'online' : 'offline',
  };
}

export function newChargeObject(
  intent: Obj,
  last4: string,
  brand: string,
  decline?: (typeof DECLINES)[string],
): Obj {
  const succeeded = decline === undefined;
  const automatic = intent.capture_method !== 'manual';
  const charge: Obj = {
    id: newId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: succeeded && automatic ? intent.amount : 0,
    amount_refunded: 0,
    captured: succeeded && automatic,
    currency: intent.currency,
    failure_code: decline?.code ?? null,
    failure_message: decline?.message ?? null,
    paid: succeeded,
    payment_intent: intent.id,
    status: succeeded ? 'succeeded' : 'failed',
    payment_method_details: {
      type: 'card_present',
      card_present: {
        brand,
        last4,
        exp_month: 12,
        exp_year: 2030,
        read_method: 'contactless_emv',
        receipt: { authorization_code: succeeded ? '123456' : null },
      },
    },
  };
  return charge;
}

export function unexpectedState(intent: Obj, verb: string, allowed: string[]): StandInApiError {
  return invalid(
    `This PaymentIntent could not be ${verb} because it has a status of ${String(intent.status)}. Only a PaymentIntent with one of the following statuses may be ${verb}: ${allowed.join(', ')}.`,
    'payment_intent_unexpected_state',
  );
}
