import { useState } from 'react';
import { api, describe, money, uuidv7 } from './api.js';
import { usePoll } from './hooks.js';
import { getState, hasRole, resetCart, update, useAppState } from './state.js';
import { Notice } from './widgets.js';

interface Table {
  id: string;
  name: string;
  area: string;
  seats: number;
  status: 'open' | 'ordered' | 'paid';
  orders: {
    id: string;
    number: number;
    status: string;
    paymentStatus: string;
    totalCents: number;
  }[];
}

/** The floor: tap a free table to start an order on it, a taken one to open its order. */
export function TablesScreen({ go }: { go: (tab: 'order') => void }) {
  const { data, error } = usePoll(
    async () => (await api<{ tables: Table[] }>('GET', '/api/v1/tables')).body.tables,
    2_000,
  );
  const areas = [...new Set((data ?? []).map((t) => t.area))];
  return (
    <div className="floor" data-testid="floor">
      <Notice text={error ? describe(error) : ''} />
      {areas.map((area) => (
        <section key={area}>
          <h2>{area}</h2>
          <div className="tables">
            {(data ?? [])
              .filter((t) => t.area === area)
              .map((t) => (
                <button
                  type="button"
                  key={t.id}
                  className={`table ${t.status}`}
                  data-table={t.id}
                  data-status={t.status}
                  onClick={() => {
                    const open = t.orders[0];
                    if (open) update((s) => ({ ...s, openOrderId: open.id }));
                    else {
                      resetCart('dine-in', t.id);
                      update((s) => ({ ...s, openOrderId: null }));
                    }
                    go('order');
                  }}
                >
                  <strong>{t.name}</strong>
                  <span>{t.status === 'open' ? `${t.seats} seats` : t.status}</span>
                  {t.orders[0] && <span>#{t.orders[0].number}</span>}
                </button>
              ))}
          </div>
        </section>
      ))}
    </div>
  );
}

interface OrderSummary {
  id: string;
  number: number;
  type: string;
  status: string;
  paymentStatus: string;
  tableId: string | null;
  totalCents: number;
  currency: string;
  createdAt: string;
}

/** Today's open orders with their kitchen status, live. */
export function OrdersScreen({ go }: { go: (tab: 'order') => void }) {
  const { data, error } = usePoll(
    async () =>
      (
        await api<{ orders: OrderSummary[] }>(
          'GET',
          '/api/v1/orders?status=PENDING,CONFIRMED,PREPARING,READY,PAYMENT_FAILED&limit=100',
        )
      ).body.orders,
    2_000,
  );
  return (
    <div className="orders" data-testid="orders">
      <Notice text={error ? describe(error) : ''} />
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>Where</th>
            <th>Kitchen</th>
            <th>Payment</th>
            <th>Total</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((o) => (
            <tr key={o.id} data-order={o.id}>
              <td>{o.number}</td>
              <td>{o.tableId ? `Table ${o.tableId}` : o.type}</td>
              <td data-testid="kitchen-status">{o.status}</td>
              <td>{o.paymentStatus}</td>
              <td>{money(o.totalCents, o.currency)}</td>
              <td>
                <button
                  type="button"
                  onClick={() => {
                    update((s) => ({ ...s, openOrderId: o.id }));
                    go('order');
                  }}
                >
                  Open
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.length === 0 && <p className="muted">No open orders</p>}
    </div>
  );
}

interface Shift {
  id: string;
  openingFloatCents: number;
  expectedCents: number;
  cashSalesCents: number;
  paidInCents: number;
  paidOutCents: number;
  countedCents: number | null;
  differenceCents: number | null;
  status: string;
}

const DENOMINATIONS = [10000, 5000, 2000, 1000, 500, 100, 25, 10, 5, 1];

/** Open the drawer with a float, close it with a count, and read X and Z reports. */
export function ShiftScreen() {
  const { staff } = useAppState();
  const {
    data: shift,
    refresh,
    error,
  } = usePoll(async () => {
    try {
      return (await api<Shift>('GET', '/api/v1/shifts/current')).body;
    } catch {
      return null;
    }
  }, 5_000);
  const [float, setFloat] = useState('200.00');
  const [counts, setCounts] = useState<Record<number, string>>({});
  const [message, setMessage] = useState('');
  const [report, setReport] = useState<unknown>(null);
  const post = async (path: string, body: unknown, done: string) => {
    try {
      const res = await api('POST', path, body, { idempotencyKey: uuidv7() });
      setMessage(done);
      await refresh();
      return res.body;
    } catch (err) {
      setMessage(describe(err));
      return undefined;
    }
  };
  const manager = hasRole(staff, 'manager');
  return (
    <div className="shift" data-testid="shift">
      <Notice text={message || (error ? describe(error) : '')} />
      {!shift ? (
        <section>
          <h2>No shift is open</h2>
          <label>
            Opening float ($){' '}
            <input inputMode="decimal" value={float} onChange={(e) => setFloat(e.target.value)} />
          </label>
          <button
            type="button"
            className="primary"
            data-testid="open-shift"
            onClick={() =>
              void post(
                '/api/v1/shifts',
                { openingFloatCents: Math.round(Number(float) * 100) },
                'Shift opened',
              )
            }
          >
            Open shift
          </button>
        </section>
      ) : (
        <section>
          <h2>Shift open</h2>
          <dl className="totals">
            <dt>Float</dt>
            <dd>{money(shift.openingFloatCents)}</dd>
            <dt>Cash sales</dt>
            <dd>{money(shift.cashSalesCents)}</dd>
            <dt>Paid in / out</dt>
            <dd>
              {money(shift.paidInCents)} / {money(shift.paidOutCents)}
            </dd>
            <dt>Expected in drawer</dt>
            <dd data-testid="expected">{money(shift.expectedCents)}</dd>
          </dl>
          <h3>Count the drawer</h3>
          <div className="denominations">
            {DENOMINATIONS.map((d) => (
              <label key={d}>
                {money(d)}
                <input
                  inputMode="numeric"
                  value={counts[d] ?? ''}
                  onChange={(e) => setCounts({ ...counts, [d]: e.target.value })}
                />
              </label>
            ))}
          </div>
          <button
            type="button"
            className="primary"
            onClick={() =>
              void post(
                `/api/v1/shifts/${shift.id}/close`,
                {
                  counted: DENOMINATIONS.filter((d) => Number(counts[d] ?? 0) > 0).map((d) => ({
                    denominationCents: d,
                    count: Number(counts[d]),
                  })),
                },
                'Shift closed',
              )
            }
          >
            Close shift
          </button>
        </section>
      )}
      {manager && (
        <section>
          <h2>Reports</h2>
          <button
            type="button"
            onClick={async () => {
              try {
                setReport((await api('GET', '/api/v1/reports/x')).body);
              } catch (err) {
                setMessage(describe(err));
              }
            }}
          >
            X report
          </button>
          <button
            type="button"
            onClick={async () =>
              setReport(await post('/api/v1/reports/z', {}, 'Day closed; Z report printed'))
            }
          >
            Close the day (Z)
          </button>
          {report !== null && report !== undefined && <ReportView report={report} />}
        </section>
      )}
      <p className="muted">Signed in as {getState().staff?.name}</p>
    </div>
  );
}

function ReportView({ report }: { report: unknown }) {
  const r = report as {
    kind: string;
    number: number | null;
    money: {
      tenders: { name: string; count: number; amountCents: number }[];
      totalCents: number;
      tips: { totalCents: number };
    };
    sales: { grossSalesCents: number; netSalesCents: number };
  };
  return (
    <div className="report" data-testid="report">
      <h3>
        {r.kind} report{r.number ? ` #${r.number}` : ''}
      </h3>
      <dl className="totals">
        <dt>Gross sales</dt>
        <dd>{money(r.sales.grossSalesCents)}</dd>
        <dt>Net sales</dt>
        <dd>{money(r.sales.netSalesCents)}</dd>
        {r.money.tenders.map((t) => (
          <span key={t.name} style={{ display: 'contents' }}>
            <dt>
              {t.name} ({t.count})
            </dt>
            <dd>{money(t.amountCents)}</dd>
          </span>
        ))}
        <dt>Tips</dt>
        <dd>{money(r.money.tips.totalCents)}</dd>
      </dl>
    </div>
  );
}
