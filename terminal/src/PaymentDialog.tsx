import { useRef, useState } from 'react';
import { ApiError, api, describe, HubUnreachable, money, uuidv7 } from './api.js';
import { usePoll } from './hooks.js';
import type { OrderView } from './OrderScreen.js';
import type { OrderCustomer } from './state.js';
import { ManagerPin, Notice } from './widgets.js';

interface Balance {
  totalCents: number;
  paidCents: number;
  balanceCents: number;
  currency: string;
  seats: { seat: number; dueCents: number; paid: boolean }[];
  payments: {
    id: string;
    tender: string;
    status: string;
    amountCents: number;
    tipCents: number;
    changeCents?: number;
    card: { brand: string; last4: string } | null;
    failure: { message: string } | null;
    refundedCents: number;
    split: { by: string; parts?: number; part?: number } | null;
  }[];
}

interface Reader {
  id: string;
  status: { state: string; message?: string };
}

type Split = { by: 'seat'; seat: number } | { by: 'equal'; parts: number; part: number } | null;

/** The guest as a payment carries them: who they are to the loyalty programme, no name. */
function paymentCustomer(c: OrderCustomer['attach']) {
  return {
    ...(c.customerId ? { customerId: c.customerId } : {}),
    ...(c.phone ? { phone: c.phone } : {}),
    ...(c.email ? { email: c.email } : {}),
  };
}

/** Split a total into `parts` shares, the first ones taking the odd cents (as the hub does). */
function equalShare(total: number, parts: number, part: number): number {
  const base = Math.floor(total / parts);
  return base + (part <= total - base * parts ? 1 : 0);
}

/**
 * Take payment for an order: whole, by seat or in equal parts; cash or card with a tip. A
 * loyalty guest not on the order (`customer`) goes with each payment, which earns their points.
 */
export function PaymentDialog({
  order,
  customer,
  onClose,
}: {
  order: OrderView;
  customer?: OrderCustomer['attach'] | undefined;
  onClose: () => void;
}) {
  const { data: balance, refresh } = usePoll(
    async () => (await api<Balance>('GET', `/api/v1/payments?orderId=${order.id}`)).body,
    3_000,
    [order.id],
  );
  const { data: readers } = usePoll(
    async () => (await api<{ readers: Reader[] }>('GET', '/api/v1/card-readers')).body.readers,
    1_500,
  );
  const [split, setSplit] = useState<Split>(null);
  const [parts, setParts] = useState(2);
  const [tender, setTender] = useState<'cash' | 'card' | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  const [result, setResult] = useState('');
  const [approval, setApproval] = useState<((pin: string) => void) | null>(null);
  const [email, setEmail] = useState('');
  /** The attempt in flight or to retry: same payment ID, same key, so it pays once. */
  const attempt = useRef<{ body: Record<string, unknown>; key: string } | null>(null);

  if (!balance) return null;
  const currency = balance.currency;
  const settled = ['authorised', 'captured', 'completed'];
  const paidEqualParts = new Set(
    balance.payments
      .filter(
        (p) => settled.includes(p.status) && p.split?.by === 'equal' && p.split.parts === parts,
      )
      .map((p) => p.split?.part ?? 0),
  );
  const due =
    split === null
      ? balance.balanceCents
      : split.by === 'seat'
        ? Math.min(
            balance.seats.find((s) => s.seat === split.seat)?.dueCents ?? 0,
            balance.balanceCents,
          )
        : Math.min(equalShare(balance.totalCents, split.parts, split.part), balance.balanceCents);

  const pay = async (body: Record<string, unknown>, managerPin?: string) => {
    if (busy) return; // a second tap while the first is under way does nothing
    setBusy(true);
    setMessage('');
    if (!attempt.current || managerPin) {
      attempt.current = {
        body: {
          paymentId: uuidv7(),
          orderId: order.id,
          ...(customer ? { customer: paymentCustomer(customer) } : {}),
          ...body,
          ...(managerPin ? { approval: { managerPin } } : {}),
        },
        key: uuidv7(),
      };
    }
    const current = attempt.current;
    try {
      const res = await api<Balance['payments'][number]>(
        'POST',
        '/api/v1/payments/process',
        current.body,
        {
          idempotencyKey: current.key,
        },
      );
      attempt.current = null;
      const p = res.body;
      if (p.status === 'failed') {
        setMessage(p.failure?.message ?? 'The payment did not go through');
      } else if (p.tender === 'cash') {
        setResult(
          `Cash ${money(p.amountCents + p.tipCents, currency)} taken · change ${money(p.changeCents ?? 0, currency)}`,
        );
      } else {
        setResult(
          `Card ${p.card ? `${p.card.brand} ••${p.card.last4}` : ''} approved · ${money(p.amountCents + p.tipCents, currency)}`,
        );
      }
      setTender(null);
      setSplit(null);
      await refresh();
    } catch (err) {
      if (err instanceof HubUnreachable) {
        // Kept: "Try again" sends the very same payment, which the hub takes at most once.
        setMessage(`${err.message} Tap "Try again".`);
      } else {
        attempt.current = null;
        if (err instanceof ApiError && err.needsApproval) {
          setMessage(err.detail);
          setApproval(() => (pin: string) => void pay(body, pin));
        } else setMessage(describe(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const splitBody = () => (split ? { split } : {});
  const receipt = async (to?: string) => {
    try {
      await api(
        'POST',
        '/api/v1/payments/receipts',
        { orderId: order.id, ...(to ? { email: to } : {}) },
        { idempotencyKey: uuidv7() },
      );
      setResult(to ? `Receipt will be emailed to ${to}` : 'Receipt sent to the printer');
      if (to) setEmail('');
    } catch (err) {
      setMessage(describe(err));
    }
  };
  const reader = readers?.[0];
  const cashOptions = [
    ...new Set([due, ...[500, 1000, 2000, 5000, 10000].map((n) => Math.ceil(due / n) * n)]),
  ]
    .filter((n) => n >= due)
    .slice(0, 5);

  return (
    <div className="dialog-backdrop">
      <div className="dialog wide" role="dialog" aria-label="Payment" data-testid="payment-dialog">
        <h2>
          Order #{order.number} ·{' '}
          <span data-testid="balance">{money(balance.balanceCents, currency)}</span> due
        </h2>
        {balance.balanceCents <= 0 ? (
          <p className="ok big" data-testid="paid-in-full">
            Paid in full
          </p>
        ) : (
          <>
            <fieldset>
              <legend>What is paid now</legend>
              <div className="choices">
                <button
                  type="button"
                  className={split === null ? 'active' : ''}
                  onClick={() => setSplit(null)}
                >
                  Whole check
                </button>
                {balance.seats
                  .filter((s) => !s.paid)
                  .map((s) => (
                    <button
                      type="button"
                      key={s.seat}
                      data-split-seat={s.seat}
                      className={split?.by === 'seat' && split.seat === s.seat ? 'active' : ''}
                      onClick={() => setSplit({ by: 'seat', seat: s.seat })}
                    >
                      Seat {s.seat} · {money(s.dueCents, currency)}
                    </button>
                  ))}
                <span className="split-equal">
                  Split
                  <select
                    aria-label="Parts"
                    value={parts}
                    onChange={(e) => setParts(Number(e.target.value))}
                  >
                    {[2, 3, 4, 5, 6].map((n) => (
                      <option key={n} value={n}>
                        {n} ways
                      </option>
                    ))}
                  </select>
                  {Array.from({ length: parts }, (_, i) => i + 1)
                    .filter((p) => !paidEqualParts.has(p))
                    .map((p) => (
                      <button
                        type="button"
                        key={p}
                        className={
                          split?.by === 'equal' && split.part === p && split.parts === parts
                            ? 'active'
                            : ''
                        }
                        onClick={() => setSplit({ by: 'equal', parts, part: p })}
                      >
                        {p}/{parts}
                      </button>
                    ))}
                </span>
              </div>
            </fieldset>
            <p className="big">
              Paying now: <strong data-testid="due">{money(due, currency)}</strong>
            </p>
            <div className="choices tenders">
              <button
                type="button"
                className={tender === 'cash' ? 'active' : ''}
                data-tender="cash"
                onClick={() => setTender('cash')}
              >
                Cash
              </button>
              <button
                type="button"
                className={tender === 'card' ? 'active' : ''}
                data-tender="card"
                onClick={() => setTender('card')}
              >
                Card
              </button>
            </div>
            {tender === 'cash' && (
              <div className="choices" data-testid="cash-options">
                {cashOptions.map((n) => (
                  <button
                    type="button"
                    key={n}
                    className="primary"
                    data-tendered={n}
                    disabled={busy}
                    onClick={() => void pay({ tender: 'cash', tenderedCents: n, ...splitBody() })}
                  >
                    {n === due ? `Exact ${money(n, currency)}` : money(n, currency)}
                  </button>
                ))}
              </div>
            )}
            {tender === 'card' && (
              <div>
                <p className="reader" data-testid="reader-status">
                  Reader:{' '}
                  {reader
                    ? `${reader.status.state}${reader.status.message ? ` · ${reader.status.message}` : ''}`
                    : 'none set up'}
                </p>
                <p>Tip?</p>
                <div className="choices" data-testid="tip-options">
                  {[0, 15, 18, 20].map((pct) => {
                    const tip = Math.round((due * pct) / 100);
                    return (
                      <button
                        type="button"
                        key={pct}
                        className="primary"
                        data-tip={pct}
                        disabled={busy || !reader}
                        onClick={() => void pay({ tender: 'card', tipCents: tip, ...splitBody() })}
                      >
                        {pct === 0 ? 'No tip' : `${pct}% · ${money(tip, currency)}`}
                      </button>
                    );
                  })}
                  <button
                    type="button"
                    disabled={busy || !reader}
                    onClick={() =>
                      void pay({ tender: 'card', tipAdjustable: true, ...splitBody() })
                    }
                  >
                    Tip on the slip
                  </button>
                </div>
              </div>
            )}
          </>
        )}
        {busy && <p className="muted">Waiting for the payment…</p>}
        {result && (
          <p className="ok" data-testid="payment-result">
            {result}
          </p>
        )}
        <Notice text={message} />
        {attempt.current && !busy && (
          <button type="button" onClick={() => attempt.current && void pay(attempt.current.body)}>
            Try again
          </button>
        )}
        {balance.payments.some((p) => settled.includes(p.status)) && (
          <div className="choices">
            <button type="button" data-testid="reprint" onClick={() => void receipt()}>
              Print receipt
            </button>
            <input
              type="email"
              placeholder="guest@example.com"
              aria-label="Guest's email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <button
              type="button"
              data-testid="email-receipt"
              disabled={!email}
              onClick={() => void receipt(email)}
            >
              Email receipt
            </button>
          </div>
        )}
        <h3>Payments</h3>
        <ul className="payments" data-testid="payments">
          {balance.payments.map((p) => (
            <PaymentRow
              key={p.id}
              payment={p}
              currency={currency}
              onChanged={() => void refresh()}
            />
          ))}
        </ul>
        <div className="dialog-actions">
          <button
            type="button"
            className={balance.balanceCents <= 0 ? 'primary' : ''}
            data-testid="close-payment"
            onClick={onClose}
          >
            Close
          </button>
        </div>
        {approval && (
          <ManagerPin
            what="A manager must approve this"
            onCancel={() => setApproval(null)}
            onPin={(pin) => {
              setApproval(null);
              approval(pin);
            }}
          />
        )}
      </div>
    </div>
  );
}

/** One payment with its refund button (a manager's PIN is asked for). */
function PaymentRow({
  payment: p,
  currency,
  onChanged,
}: {
  payment: Balance['payments'][number];
  currency: string;
  onChanged: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [message, setMessage] = useState('');
  const refundable =
    ['captured', 'completed'].includes(p.status) && p.refundedCents < p.amountCents + p.tipCents;
  const refund = async (managerPin?: string) => {
    try {
      await api(
        'POST',
        `/api/v1/payments/${p.id}/refund`,
        { reason: 'refund at the counter', ...(managerPin ? { approval: { managerPin } } : {}) },
        { idempotencyKey: uuidv7() },
      );
      setMessage('Refunded');
      onChanged();
    } catch (err) {
      if (err instanceof ApiError && err.needsApproval) setAsking(true);
      else setMessage(describe(err));
    }
  };
  return (
    <li data-testid="payment-row">
      {tenderLabel(p)} · {money(p.amountCents, currency)}
      {p.tipCents ? ` + tip ${money(p.tipCents, currency)}` : ''} · {p.status}
      {p.refundedCents > 0 ? ` · refunded ${money(p.refundedCents, currency)}` : ''}
      {refundable && (
        <button type="button" data-testid="refund" onClick={() => void refund()}>
          Refund
        </button>
      )}
      <Notice text={message} />
      {asking && (
        <ManagerPin
          what="A manager must approve this refund"
          onCancel={() => setAsking(false)}
          onPin={(pin) => {
            setAsking(false);
            void refund(pin);
          }}
        />
      )}
    </li>
  );
}

/** How a payment's tender reads on the pay screen (`online`: paid by card with the order). */
function tenderLabel(p: Balance['payments'][number]): string {
  const card = p.card ? ` ${p.card.brand} ••${p.card.last4}` : '';
  if (p.tender === 'cash') return 'Cash';
  return p.tender === 'online' ? `Paid online${card}` : `Card${card}`;
}
