import { useEffect, useRef, useState } from 'react';
import { ApiError, api, describe } from './api.js';
import type { LoyaltyMember, OrderCustomer } from './state.js';

// Loyalty at the counter: the cashier types the guest's phone or email, the hub looks them up
// in the cloud and the guest is attached to the order, so paying it earns them points. When
// the hub cannot reach the cloud the guest is attached all the same and the points are added
// once it can. What the order will earn is estimated on the hub from the rules it holds.

export interface CategoryAmount {
  categoryId: string;
  amountCents: number;
}

interface LookupAnswer {
  online: boolean;
  member?: LoyaltyMember;
  attach: OrderCustomer['attach'];
  message?: string;
}

interface Estimate {
  points: number | null;
  tier?: { tierId: string; name: string };
  promotion?: { name: string } | null;
}

/** What the lookup is given: an email when it has an @, otherwise a phone number. */
function searchFor(text: string): string {
  const value = text.trim();
  return new URLSearchParams(value.includes('@') ? { email: value } : { phone: value }).toString();
}

/** The hub's estimate of an order's points, asked again when the order or the tier changes. */
function useEstimate(
  amounts: readonly CategoryAmount[],
  tierId: string | undefined,
  wanted: boolean,
) {
  const [estimate, setEstimate] = useState<Estimate | undefined>(undefined);
  const key = wanted && amounts.length > 0 ? JSON.stringify([amounts, tierId ?? null]) : '';
  const latest = useRef(key);
  latest.current = key;
  useEffect(() => {
    if (!key) return;
    const [categoryAmounts, tier] = JSON.parse(key) as [CategoryAmount[], string | null];
    const timer = window.setTimeout(async () => {
      try {
        const res = await api<Estimate>('POST', '/api/v1/loyalty/estimate', {
          categoryAmounts,
          ...(tier ? { tierId: tier } : {}),
        });
        if (latest.current === key) setEstimate(res.body);
      } catch {
        if (latest.current === key) setEstimate(undefined);
      }
    }, 150);
    return () => window.clearTimeout(timer);
  }, [key]);
  return estimate;
}

function pts(n: number): string {
  return `${n.toLocaleString('en-US')} pt${n === 1 ? '' : 's'}`;
}

/**
 * The "Customer" control of an order: a phone-or-email box (Enter looks up), then who the
 * guest is, their tier and balance, and what this order earns. Always the same height, so the
 * cart around it never moves. `locked` shows a guest already on the order, without changing.
 */
export function CustomerControl(props: {
  customer: OrderCustomer | null;
  onChange?: (customer: OrderCustomer | null) => void;
  categoryAmounts: readonly CategoryAmount[];
  locked?: boolean;
}) {
  const { customer, onChange, categoryAmounts, locked } = props;
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const remove = useRef<HTMLButtonElement>(null);
  const member = customer?.member ?? null;
  const estimate = useEstimate(categoryAmounts, member?.tier.tierId, customer !== null);

  const lookup = async () => {
    if (!text.trim() || busy || !onChange) return;
    setBusy(true);
    setError('');
    try {
      const res = await api<LookupAnswer>('GET', `/api/v1/loyalty/lookup?${searchFor(text)}`);
      const a = res.body;
      onChange({
        attach: a.attach,
        member: a.online ? (a.member ?? null) : null,
        offline: !a.online,
      });
      setText('');
      window.setTimeout(() => remove.current?.focus(), 0);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        setError('No member with that phone or email');
      else if (err instanceof ApiError && err.status === 400)
        setError(`Check the phone or email: ${err.errors[0]?.message ?? err.detail}`);
      else setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const who =
    member?.name ??
    customer?.attach.name ??
    customer?.attach.phone ??
    customer?.attach.email ??
    'Guest';
  const earns =
    categoryAmounts.length === 0
      ? 'Add items to see the points this order earns'
      : estimate === undefined
        ? 'Working out the points…'
        : estimate.points === null
          ? 'Points are worked out when the order is paid'
          : `This order earns ≈ ${pts(estimate.points)}${estimate.promotion ? ` (${estimate.promotion.name})` : ''}`;

  return (
    <section className="customer" aria-label="Customer" data-testid="customer">
      <div className="customer-row">
        {customer ? (
          <>
            <div className="customer-who">
              <strong data-testid="customer-name" title={who}>
                {who}
              </strong>
              {member && (
                <span className="tag" data-testid="customer-tier">
                  {member.tier.name}
                </span>
              )}
              {member && (
                <span className="customer-balance" data-testid="customer-balance">
                  {pts(member.pointsBalance)}
                </span>
              )}
            </div>
            {!locked && onChange && (
              <button
                type="button"
                ref={remove}
                data-testid="customer-remove"
                aria-label={`Remove ${who} from the order`}
                onClick={() => {
                  onChange(null);
                  window.setTimeout(() => input.current?.focus(), 0);
                }}
              >
                Remove
              </button>
            )}
          </>
        ) : (
          <>
            <input
              ref={input}
              type="text"
              autoComplete="off"
              spellCheck={false}
              placeholder="Customer: phone or email"
              aria-label="Customer phone or email"
              data-testid="customer-input"
              value={text}
              disabled={busy || locked}
              onChange={(e) => {
                setText(e.target.value);
                setError('');
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter') void lookup();
                else if (e.key === 'Escape') {
                  setText('');
                  setError('');
                }
              }}
            />
            <button
              type="button"
              data-testid="customer-lookup"
              disabled={!text.trim() || busy || locked}
              onClick={() => void lookup()}
            >
              {busy ? 'Looking up…' : 'Look up'}
            </button>
          </>
        )}
      </div>
      <div className="customer-status" data-testid="customer-status" aria-live="polite">
        {!customer && error && (
          <p className="error" role="alert" data-testid="customer-error">
            {error}
          </p>
        )}
        {!customer && !error && (
          <p className="muted">Add a loyalty member and this order earns them points.</p>
        )}
        {customer?.offline && (
          <p className="offline" data-testid="customer-offline">
            Offline — points will be added when the hub reconnects
          </p>
        )}
        {customer && (
          <p data-testid="customer-estimate">
            {earns}
            {!member && estimate?.points != null && categoryAmounts.length > 0
              ? ' at the base rate'
              : ''}
          </p>
        )}
        {member && !customer?.offline && (
          <p className="muted" data-testid="customer-progress">
            {member.nextTier
              ? `${pts(member.nextTier.pointsToGo)} to ${member.nextTier.name}`
              : 'Top tier'}
          </p>
        )}
      </div>
    </section>
  );
}
