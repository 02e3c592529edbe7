import { useMemo, useRef, useState } from 'react';
import { ApiError, api, describe, money, uuidv7 } from './api.js';
import { type CategoryAmount, CustomerControl } from './Customer.js';
import { type Menu, type MenuItem, useMenu, usePoll } from './hooks.js';
import { PaymentDialog } from './PaymentDialog.js';
import {
  addLine,
  type CartLine,
  changeLine,
  getState,
  type OrderCustomer,
  resetCart,
  setOrderCustomer,
  update,
  useAppState,
} from './state.js';
import { Choice, ManagerPin, Notice } from './widgets.js';

export interface OrderView {
  id: string;
  number: number;
  type: string;
  status: string;
  paymentStatus: string;
  tableId: string | null;
  guests: number | null;
  currency: string;
  customer: OrderCustomer['attach'] | null;
  items: {
    id: string;
    name: string;
    categoryId: string;
    variant: { name: string } | null;
    modifiers: { name: string }[];
    quantity: number;
    voidedQuantity: number;
    seat: number | null;
    course: number;
    notes: string | null;
    totalCents: number;
  }[];
  subtotalCents: number;
  discountCents: number;
  taxCents: number;
  serviceChargeCents: number;
  totalCents: number;
  version: number;
}

/** What each menu category of the lines comes to (what a payment is shared out by). */
function byCategory(lines: readonly { categoryId: string | undefined; cents: number }[]) {
  const sums = new Map<string, number>();
  for (const l of lines)
    if (l.categoryId && l.cents > 0)
      sums.set(l.categoryId, (sums.get(l.categoryId) ?? 0) + l.cents);
  return [...sums].map(
    ([categoryId, amountCents]): CategoryAmount => ({ categoryId, amountCents }),
  );
}

/** Ring up an order: menu on the left, the cart or the open order on the right. */
export function OrderScreen() {
  const menu = useMenu();
  const { cart, openOrderId } = useAppState();
  const [category, setCategory] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [choosing, setChoosing] = useState<MenuItem | null>(null);
  const searchBox = useRef<HTMLInputElement>(null);

  const categories = useMemo(
    () => [...(menu?.categories ?? [])].sort((a, b) => a.sortOrder - b.sortOrder),
    [menu],
  );
  const current = category ?? categories[0]?.id ?? null;
  const items = useMemo(() => {
    if (!menu) return [];
    const q = search.trim().toLowerCase();
    if (q) {
      return menu.items.filter((i) => i.name.toLowerCase().includes(q) || i.sku === search.trim());
    }
    return menu.items.filter((i) => i.categoryId === current);
  }, [menu, search, current]);

  const pick = (item: MenuItem) => {
    if (!item.available) return;
    if (item.variants.length > 0 || item.modifierGroupIds.length > 0) setChoosing(item);
    else addToCart(item, undefined, []);
  };

  const addToCart = (item: MenuItem, variantId: string | undefined, modifierIds: string[]) => {
    if (!menu) return;
    const variant = item.variants.find((v) => v.id === variantId);
    const mods = menu.modifierGroups
      .flatMap((g) => g.modifiers)
      .filter((m) => modifierIds.includes(m.id));
    const { seat, course, cart: c } = getState();
    addLine({
      menuItemId: item.id,
      name: item.name,
      variantId,
      variantName: variant?.name,
      modifierIds,
      modifierNames: mods.map((m) => m.name),
      quantity: 1,
      seat: c.type === 'dine-in' ? seat : undefined,
      course,
      unitCents:
        (variant?.priceCents ?? item.priceCents) + mods.reduce((s, m) => s + m.priceDeltaCents, 0),
    });
    setChoosing(null);
  };

  // A barcode scanner types the SKU and Enter into the search box.
  const onSearchKey = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter' || !menu) return;
    const exact =
      menu.items.find((i) => i.sku === search.trim()) ??
      (items.length === 1 ? items[0] : undefined);
    if (exact) {
      pick(exact);
      setSearch('');
    }
  };

  return (
    <div className="order-screen">
      <section className="menu" aria-label="Menu">
        <div className="menu-top">
          <input
            ref={searchBox}
            className="search"
            placeholder="Search or scan"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            onKeyDown={onSearchKey}
            aria-label="Search the menu"
          />
        </div>
        <nav className="categories">
          {categories.map((c) => (
            <button
              type="button"
              key={c.id}
              className={c.id === current && !search ? 'active' : ''}
              style={c.color ? { borderColor: c.color } : undefined}
              onClick={() => {
                setCategory(c.id);
                setSearch('');
              }}
            >
              {c.name}
            </button>
          ))}
        </nav>
        <div className="items" data-testid="menu-items">
          {!menu && <p className="muted">Loading the menu…</p>}
          {items.map((item) => (
            <button
              type="button"
              key={item.id}
              className="item"
              data-item={item.id}
              disabled={!item.available}
              onClick={() => pick(item)}
              title={item.available ? item.name : (item.unavailableReason ?? 'Sold out')}
            >
              <span className="name">{item.name}</span>
              <span className="price">
                {item.available
                  ? money(item.variants[0]?.priceCents ?? item.priceCents, menu?.currency)
                  : '86 · sold out'}
              </span>
            </button>
          ))}
        </div>
      </section>
      <aside className="side">
        {openOrderId && cart.lines.length === 0 ? (
          <OpenOrder key={openOrderId} orderId={openOrderId} />
        ) : (
          <CartPanel menu={menu} />
        )}
      </aside>
      {choosing && menu && (
        <ModifierDialog
          menu={menu}
          item={choosing}
          onCancel={() => setChoosing(null)}
          onAdd={addToCart}
        />
      )}
    </div>
  );
}

function CartPanel({ menu }: { menu: Menu | undefined }) {
  const { cart, seat, course, openOrderId } = useAppState();
  const [error, setError] = useState('');
  const [sending, setSending] = useState(false);
  const [approval, setApproval] = useState<((pin: string) => void) | null>(null);
  const total = cart.lines.reduce((s, l) => s + l.unitCents * l.quantity, 0);
  const amounts = useMemo(
    () =>
      byCategory(
        cart.lines.map((l) => ({
          categoryId: menu?.items.find((i) => i.id === l.menuItemId)?.categoryId,
          cents: l.unitCents * l.quantity,
        })),
      ),
    [cart.lines, menu],
  );

  const send = async (managerPin?: string) => {
    setSending(true);
    setError('');
    const c = getState().cart;
    const items = c.lines.map((l) => ({
      menuItemId: l.menuItemId,
      ...(l.variantId ? { variantId: l.variantId } : {}),
      modifierIds: l.modifierIds,
      quantity: l.quantity,
      ...(l.seat ? { seat: l.seat } : {}),
      course: l.course,
      ...(l.notes ? { notes: l.notes } : {}),
    }));
    try {
      let orderId: string;
      if (c.addingTo) {
        await api('PUT', `/api/v1/orders/${c.addingTo}`, {
          modificationId: c.modificationId,
          add: items,
          ...(managerPin ? { approval: { managerPin } } : {}),
        });
        orderId = c.addingTo;
      } else {
        const res = await api<{ id: string }>('POST', '/api/v1/orders', {
          id: c.orderId,
          type: c.type,
          ...(c.type === 'dine-in' && c.tableId ? { tableId: c.tableId } : {}),
          ...(c.type === 'dine-in' && c.guests ? { guests: c.guests } : {}),
          ...(c.customer ? { customer: c.customer.attach } : {}),
          items,
        });
        orderId = res.body.id;
        if (c.customer) setOrderCustomer(orderId, c.customer);
      }
      resetCart();
      update((s) => ({ ...s, openOrderId: orderId }));
    } catch (err) {
      if (err instanceof ApiError && err.needsApproval) {
        setApproval(() => (pin: string) => void send(pin));
      } else setError(describe(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <div className="cart" data-testid="cart">
      <div className="cart-head">
        <select
          aria-label="Order type"
          value={cart.type}
          disabled={cart.addingTo !== null}
          onChange={(e) =>
            update((s) => ({ ...s, cart: { ...s.cart, type: e.target.value as typeof cart.type } }))
          }
        >
          <option value="dine-in">Dine in</option>
          <option value="takeout">Takeout</option>
          <option value="pickup">Pickup</option>
        </select>
        {cart.type === 'dine-in' && (
          <span className="table-pick">
            Table <strong data-testid="cart-table">{cart.tableId ?? 'none'}</strong>
          </span>
        )}
        {cart.addingTo && <span className="tag">Adding to an order</span>}
      </div>
      {cart.type === 'dine-in' && (
        <Stepper
          label="Seat"
          field="seat"
          count={6}
          value={seat}
          onPick={(n) => update((s) => ({ ...s, seat: n }))}
        />
      )}
      <Stepper
        label="Course"
        field="course"
        count={3}
        value={course}
        onPick={(n) => update((s) => ({ ...s, course: n }))}
      />
      <ul className="lines" data-testid="cart-lines">
        {cart.lines.length === 0 && <li className="muted">Tap items to add them</li>}
        {cart.lines.map((l) => (
          <CartRow key={l.key} line={l} currency={menu?.currency} />
        ))}
      </ul>
      {!cart.addingTo && (
        <CustomerControl
          customer={cart.customer ?? null}
          onChange={(customer) => update((s) => ({ ...s, cart: { ...s.cart, customer } }))}
          categoryAmounts={amounts}
        />
      )}
      <div className="cart-total">
        <span>Before tax</span>
        <strong data-testid="cart-total">{money(total, menu?.currency)}</strong>
      </div>
      <Notice text={error} />
      <div className="cart-actions">
        <button
          type="button"
          onClick={() =>
            openOrderId ? update((s) => ({ ...s, cart: { ...s.cart, lines: [] } })) : resetCart()
          }
        >
          Clear
        </button>
        <button
          type="button"
          className="primary"
          data-testid="send"
          disabled={cart.lines.length === 0 || sending}
          onClick={() => void send()}
        >
          {sending ? 'Sending…' : cart.addingTo ? 'Send additions' : 'Send to kitchen'}
        </button>
      </div>
      {approval && (
        <ManagerPin
          what="This needs a manager"
          onCancel={() => setApproval(null)}
          onPin={(pin) => {
            setApproval(null);
            approval(pin);
          }}
        />
      )}
    </div>
  );
}

/** A row of numbered buttons (seat 1–6, course 1–3); `data-{field}` marks each. */
function Stepper(props: {
  label: string;
  field: 'seat' | 'course';
  count: number;
  value: number;
  onPick: (n: number) => void;
}) {
  return (
    <div className="steppers">
      <span>{props.label}</span>
      {Array.from({ length: props.count }, (_, i) => i + 1).map((n) => (
        <button
          type="button"
          key={n}
          className={n === props.value ? 'active' : ''}
          {...{ [`data-${props.field}`]: n }}
          onClick={() => props.onPick(n)}
        >
          {n}
        </button>
      ))}
    </div>
  );
}

function CartRow({ line, currency }: { line: CartLine; currency: string | undefined }) {
  return (
    <li className="line" data-testid="cart-line">
      <div className="line-main">
        <span className="qty">{line.quantity}×</span>
        <span className="name">
          {line.name}
          {line.variantName ? ` (${line.variantName})` : ''}
        </span>
        <span className="amount">{money(line.unitCents * line.quantity, currency)}</span>
      </div>
      <div className="line-sub">
        {line.seat ? `Seat ${line.seat} · ` : ''}Course {line.course}
        {line.modifierNames.length > 0 ? ` · ${line.modifierNames.join(', ')}` : ''}
        {line.notes ? ` · “${line.notes}”` : ''}
      </div>
      <div className="line-actions">
        <button
          type="button"
          aria-label="One less"
          onClick={() =>
            changeLine(line.key, line.quantity > 1 ? { quantity: line.quantity - 1 } : null)
          }
        >
          −
        </button>
        <button
          type="button"
          aria-label="One more"
          onClick={() => changeLine(line.key, { quantity: line.quantity + 1 })}
        >
          +
        </button>
        <button
          type="button"
          onClick={() => {
            const notes = window.prompt('Note for the kitchen', line.notes ?? '');
            if (notes !== null) changeLine(line.key, { notes: notes.trim() || undefined });
          }}
        >
          Note
        </button>
        <button type="button" onClick={() => changeLine(line.key, null)}>
          Remove
        </button>
      </div>
    </li>
  );
}

/** Size and modifiers: required groups must be answered, and no group takes more than its max. */
function ModifierDialog({
  menu,
  item,
  onCancel,
  onAdd,
}: {
  menu: Menu;
  item: MenuItem;
  onCancel: () => void;
  onAdd: (item: MenuItem, variantId: string | undefined, modifierIds: string[]) => void;
}) {
  const groups = item.modifierGroupIds
    .map((id) => menu.modifierGroups.find((g) => g.id === id))
    .filter((g) => g !== undefined);
  const [variant, setVariant] = useState<string | undefined>(
    item.variants.length === 1 ? item.variants[0]?.id : undefined,
  );
  const [chosen, setChosen] = useState<Record<string, string[]>>({});
  const toggle = (groupId: string, modId: string, max: number) => {
    setChosen((c) => {
      const now = c[groupId] ?? [];
      if (now.includes(modId)) return { ...c, [groupId]: now.filter((m) => m !== modId) };
      if (max === 1) return { ...c, [groupId]: [modId] };
      if (now.length >= max) return c;
      return { ...c, [groupId]: [...now, modId] };
    });
  };
  const missing = [
    ...(item.variants.length > 0 && !variant ? ['a size'] : []),
    ...groups.filter((g) => (chosen[g.id]?.length ?? 0) < g.minChoices).map((g) => g.name),
  ];
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-label={item.name} data-testid="modifier-dialog">
        <h2>{item.name}</h2>
        {item.variants.length > 0 && (
          <fieldset>
            <legend>Size (required)</legend>
            <div className="choices">
              {item.variants.map((v) => (
                <button
                  type="button"
                  key={v.id}
                  className={variant === v.id ? 'active' : ''}
                  onClick={() => setVariant(v.id)}
                >
                  {v.name} · {money(v.priceCents, menu.currency)}
                </button>
              ))}
            </div>
          </fieldset>
        )}
        {groups.map((g) => (
          <fieldset key={g.id}>
            <legend>
              {g.name}{' '}
              <small>
                {g.minChoices > 0
                  ? `choose ${g.minChoices === g.maxChoices ? g.minChoices : `${g.minChoices}–${g.maxChoices}`}`
                  : `up to ${g.maxChoices}`}
              </small>
            </legend>
            <div className="choices">
              {g.modifiers.map((m) => (
                <button
                  type="button"
                  key={m.id}
                  data-modifier={m.id}
                  className={chosen[g.id]?.includes(m.id) ? 'active' : ''}
                  onClick={() => toggle(g.id, m.id, g.maxChoices)}
                >
                  {m.name}
                  {m.priceDeltaCents ? ` +${money(m.priceDeltaCents, menu.currency)}` : ''}
                </button>
              ))}
            </div>
          </fieldset>
        ))}
        {missing.length > 0 && <p className="muted">Still to choose: {missing.join(', ')}</p>}
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            data-testid="add-item"
            disabled={missing.length > 0}
            onClick={() => onAdd(item, variant, Object.values(chosen).flat())}
          >
            Add
          </button>
        </div>
      </div>
    </div>
  );
}

/** An order already sent: what it holds, its status from the kitchen, and paying for it. */
function OpenOrder({ orderId }: { orderId: string }) {
  const {
    data: order,
    error,
    refresh,
  } = usePoll(async () => (await api<OrderView>('GET', `/api/v1/orders/${orderId}`)).body, 2_000, [
    orderId,
  ]);
  const [paying, setPaying] = useState(false);
  const [message, setMessage] = useState('');
  const [voiding, setVoiding] = useState<string | null>(null);
  const [discounting, setDiscounting] = useState(false);
  const [approval, setApproval] = useState<((pin: string) => void) | null>(null);
  const looked = useAppState().orderCustomers?.[orderId] ?? null;
  const amounts = useMemo(
    () =>
      byCategory(
        (order?.items ?? []).map((i) => ({ categoryId: i.categoryId, cents: i.totalCents })),
      ),
    [order],
  );

  /** A change to the sent order; a manager's PIN is asked for when the hub wants one. */
  const modify = async (change: Record<string, unknown>, done: string, managerPin?: string) => {
    try {
      await api('PUT', `/api/v1/orders/${orderId}`, {
        modificationId: uuidv7(),
        ...change,
        ...(managerPin ? { approval: { managerPin } } : {}),
      });
      setMessage(done);
      await refresh();
    } catch (err) {
      if (err instanceof ApiError && err.needsApproval && !managerPin) {
        setApproval(() => (pin: string) => void modify(change, done, pin));
      } else setMessage(describe(err));
    }
  };
  if (!order)
    return (
      <div className="cart">
        {error ? <Notice text={describe(error)} /> : <p className="muted">Loading…</p>}
      </div>
    );
  const courses = [...new Set(order.items.map((i) => i.course))].filter((c) => c > 1);
  const balanceDue = order.paymentStatus !== 'PAID' && order.paymentStatus !== 'REFUNDED';
  return (
    <div className="cart" data-testid="open-order">
      <div className="cart-head">
        <strong className="order-number">#{order.number}</strong>
        <span>{order.tableId ? `Table ${order.tableId}` : order.type}</span>
        <span className="tag" data-testid="order-status">
          {order.status}
        </span>
        <span
          className={`tag ${order.paymentStatus === 'PAID' ? 'ok' : ''}`}
          data-testid="payment-status"
        >
          {order.paymentStatus}
        </span>
      </div>
      <ul className="lines">
        {order.items.map((i) => (
          <li key={i.id} className={`line ${i.quantity - i.voidedQuantity <= 0 ? 'voided' : ''}`}>
            <div className="line-main">
              <span className="qty">{i.quantity - i.voidedQuantity}×</span>
              <span className="name">
                {i.name}
                {i.variant ? ` (${i.variant.name})` : ''}
              </span>
              <span className="amount">{money(i.totalCents, order.currency)}</span>
            </div>
            <div className="line-sub">
              {i.seat ? `Seat ${i.seat} · ` : ''}Course {i.course}
              {i.modifiers.length ? ` · ${i.modifiers.map((m) => m.name).join(', ')}` : ''}
            </div>
            {i.quantity - i.voidedQuantity > 0 && balanceDue && (
              <div className="line-actions">
                <button type="button" data-void={i.id} onClick={() => setVoiding(i.id)}>
                  Void
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      <dl className="totals">
        <dt>Subtotal</dt>
        <dd>{money(order.subtotalCents, order.currency)}</dd>
        {order.discountCents > 0 && (
          <>
            <dt>Discount</dt>
            <dd>−{money(order.discountCents, order.currency)}</dd>
          </>
        )}
        <dt>Tax</dt>
        <dd>{money(order.taxCents, order.currency)}</dd>
        {order.serviceChargeCents > 0 && (
          <>
            <dt>Service charge</dt>
            <dd>{money(order.serviceChargeCents, order.currency)}</dd>
          </>
        )}
        <dt>Total</dt>
        <dd data-testid="order-total">{money(order.totalCents, order.currency)}</dd>
      </dl>
      {order.customer ? (
        // On the order since it was sent: paying it earns the guest's points.
        <CustomerControl
          locked
          customer={looked ?? { attach: order.customer, member: null, offline: false }}
          categoryAmounts={amounts}
        />
      ) : (
        balanceDue && (
          // Not on the order: the guest goes with the payment instead.
          <CustomerControl
            customer={looked}
            onChange={(customer) => setOrderCustomer(order.id, customer)}
            categoryAmounts={amounts}
          />
        )
      )}
      <Notice text={message} />
      <div className="cart-actions wrap">
        {courses.map((c) => (
          <button
            type="button"
            key={c}
            onClick={async () => {
              try {
                await api('POST', `/api/v1/kds/orders/${order.id}/fire`, { course: c });
                setMessage(`Course ${c} fired`);
              } catch (err) {
                setMessage(describe(err));
              }
            }}
          >
            Fire course {c}
          </button>
        ))}
        {balanceDue && (
          <button type="button" data-testid="discount" onClick={() => setDiscounting(true)}>
            Discount
          </button>
        )}
        <button
          type="button"
          onClick={() => {
            update((s) => ({
              ...s,
              cart: {
                ...s.cart,
                lines: [],
                addingTo: order.id,
                modificationId: uuidv7(),
                type: order.type as 'dine-in',
                tableId: order.tableId,
              },
            }));
          }}
        >
          Add items
        </button>
        <button
          type="button"
          onClick={async () => {
            try {
              await api('POST', `/api/v1/orders/${order.id}/receipt`, {});
              setMessage('Check sent to the printer');
            } catch (err) {
              setMessage(describe(err));
            }
          }}
        >
          Print check
        </button>
        <button type="button" onClick={() => update((s) => ({ ...s, openOrderId: null }))}>
          Done
        </button>
        {balanceDue && (
          <button
            type="button"
            className="primary"
            data-testid="pay"
            onClick={() => setPaying(true)}
          >
            Pay
          </button>
        )}
      </div>
      {voiding && (
        <Choice
          title="Why is it voided?"
          options={[
            'Ordered by mistake',
            'Guest changed their mind',
            'Kitchen error',
            'Took too long',
          ]}
          onCancel={() => setVoiding(null)}
          onChoose={(reason) => {
            const item = voiding;
            setVoiding(null);
            void modify({ void: [{ orderItemId: item, reason }] }, 'Item voided');
          }}
        />
      )}
      {discounting && (
        <Choice
          title="Discount on the whole order"
          options={['10%', '15%', '20%', '50%', 'Comp (100%)', 'Remove discount']}
          onCancel={() => setDiscounting(false)}
          onChoose={(choice) => {
            setDiscounting(false);
            if (choice === 'Remove discount') void modify({ discount: null }, 'Discount removed');
            else {
              const pct = choice.startsWith('Comp') ? 100 : Number.parseInt(choice, 10);
              void modify(
                {
                  discount: {
                    kind: 'percent',
                    basisPoints: pct * 100,
                    reason: `${choice} at the counter`,
                  },
                },
                `${choice} off`,
              );
            }
          }}
        />
      )}
      {approval && (
        <ManagerPin
          what="This needs a manager"
          onCancel={() => setApproval(null)}
          onPin={(pin) => {
            setApproval(null);
            approval(pin);
          }}
        />
      )}
      {paying && (
        <PaymentDialog
          order={order}
          customer={order.customer ? undefined : looked?.attach}
          onClose={() => {
            setPaying(false);
            void refresh();
          }}
        />
      )}
    </div>
  );
}
