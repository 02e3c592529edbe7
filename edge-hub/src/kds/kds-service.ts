import { type AnyEvent, type OrderLineItem, uuidv7 } from '@pos/contracts';
import { AppError, type Logger } from '@pos/kit';
import type { ServiceStore } from '../service-store.js';
import {
  type AllDayCount,
  allDayCounts,
  firesOnArrival,
  type KitchenStatus,
  kitchenStep,
  percentile,
  type StationThresholds,
  thresholdsFor,
} from './kds-model.js';
import type { ItemRow, KdsOrderRow, KdsStore, TicketRow } from './kds-store.js';

/** How long a changed ticket flashes on the screens. */
const FLASH_MS = 10_000;
/** The expo screen's name in subscriptions and views. */
export const EXPO = 'expo';

export interface KdsDeps {
  store: ServiceStore;
  rows: KdsStore;
  clock: () => number;
  stations: () => readonly { id: string; name: string }[];
  thresholds: Readonly<Record<string, Partial<StationThresholds>>>;
  logger: Logger;
}

export interface ItemView {
  id: string;
  name: string;
  variant: string | null;
  modifiers: string[];
  notes: string | null;
  seat: number | null;
  course: number;
  quantity: number;
  voidedQuantity: number;
  kind: 'new' | 'add-on';
  fired: boolean;
  done: boolean;
  allergens: string[];
}

export interface TicketView {
  id: string;
  orderId: string;
  number: number;
  type: string;
  table: string | null;
  guests: number | null;
  station: string;
  stationName: string;
  rush: boolean;
  paid: boolean;
  status: 'open' | 'bumped' | 'cancelled' | 'ready';
  /** Hub time the ticket's age counts from (epoch ms). */
  startedAt: number;
  bumpedAt: number | null;
  flashUntil: number | null;
  cancelReason: string | null;
  items: ItemView[];
  /** Courses still held back from the kitchen. */
  heldCourses: number[];
  /** Expo only: each station's progress. */
  stations?: { id: string; name: string; done: boolean }[];
}

export interface StationState {
  station: string;
  tickets: TicketView[];
  allDay: AllDayCount[];
  thresholds: StationThresholds;
}

/**
 * The kitchen display service (seed §1.7): splits orders into station tickets plus an expo view,
 * takes bumps, recalls, course firing and rush, and tells the order service when the kitchen
 * starts (`order.preparing.v1`) and finishes (`order.ready.v1`). Every change reports the orders
 * it touched, so the screens get exactly those tickets again.
 */
export class KdsService {
  constructor(private readonly d: KdsDeps) {}

  get rows(): KdsStore {
    return this.d.rows;
  }

  thresholds(stationId: string): StationThresholds {
    return thresholdsFor(stationId, this.d.thresholds);
  }

  stations(): readonly { id: string; name: string }[] {
    return this.d.stations();
  }

  stationKnown(id: string): boolean {
    return this.d.stations().some((s) => s.id === id);
  }

  stationName(id: string): string {
    if (id === EXPO) return 'Expo';
    return this.d.stations().find((s) => s.id === id)?.name ?? id;
  }

  // ---- order events (inside the inbox transaction) ------------------------------------------

  /** Apply an order event; returns the orders whose tickets changed. */
  apply(event: AnyEvent): string[] {
    const now = this.d.clock();
    switch (event.EventType) {
      case 'order.created.v1': {
        const p = event.Payload;
        if (this.d.rows.order(p.orderId)) return [];
        const firstCourse = Math.min(...p.items.map((i) => i.course));
        this.d.rows.insertOrder({
          orderId: p.orderId,
          number: p.orderNumber,
          type: p.orderType,
          tableId: p.tableId ?? null,
          guests: p.guests ?? null,
          server: p.createdBy ?? null,
          receivedAt: now,
          firstCourse,
          rush: 0,
          paid: 0,
          cancelledAt: null,
          cancelReason: null,
          acknowledgedAt: null,
          preparingAt: null,
          readyAt: null,
          expoBumpedAt: null,
        });
        this.#addItems(p.orderId, p.items, 'new', now);
        return [p.orderId];
      }
      case 'order.modified.v1': {
        const p = event.Payload;
        const order = this.d.rows.order(p.orderId);
        if (!order) return [];
        this.#addItems(p.orderId, p.added, 'add-on', now);
        for (const v of p.voided) {
          const item = this.d.rows.item(v.orderItemId);
          if (!item) continue;
          this.d.rows.setItem(item.orderItemId, {
            voidedQuantity: Math.min(item.quantity, item.voidedQuantity + v.quantity),
          });
          this.d.rows.setTicket(item.ticketId, { flashUntil: now + FLASH_MS });
        }
        if (p.details?.tableId !== undefined) {
          this.d.rows.setOrder(p.orderId, { tableId: p.details.tableId });
        }
        this.#settleTickets(p.orderId, now);
        return [p.orderId];
      }
      case 'order.confirmed.v1': {
        const p = event.Payload;
        if (!this.d.rows.order(p.orderId)) return [];
        this.d.rows.setOrder(p.orderId, { paid: p.paymentId ? 1 : 0 });
        return [p.orderId];
      }
      case 'order.cancelled.v1': {
        const p = event.Payload;
        const order = this.d.rows.order(p.orderId);
        if (!order || order.cancelledAt !== null) return [];
        this.d.rows.setOrder(p.orderId, { cancelledAt: now, cancelReason: p.reason });
        for (const t of this.d.rows.ticketsOfOrder(p.orderId)) {
          this.d.rows.setTicket(t.id, { flashUntil: now + FLASH_MS });
        }
        return [p.orderId];
      }
      default:
        return [];
    }
  }

  // ---- actions ------------------------------------------------------------------------------

  bumpItem(orderItemId: string): string {
    const item = this.d.rows.item(orderItemId);
    if (!item) throw new AppError('not-found', `Item ${orderItemId} is not on the kitchen display`);
    const order = this.#activeOrder(item.orderId);
    if (item.firedAt === null) throw new AppError('conflict', 'This course has not been fired yet');
    if (item.doneAt !== null) throw new AppError('conflict', 'This item is already done');
    if (item.quantity - item.voidedQuantity <= 0) {
      throw new AppError('conflict', 'This item was voided');
    }
    const now = this.d.clock();
    this.d.store.transaction(() => {
      this.d.rows.setItem(orderItemId, { doneAt: now });
      const ticket = this.d.rows.ticket(item.ticketId) as TicketRow;
      this.d.rows.recordBump({
        ticketId: ticket.id,
        stationId: ticket.stationId,
        menuItemId: item.menuItemId,
        name: item.name,
        prepMs: now - (item.firedAt ?? now),
        late: false,
        at: now,
      });
      this.#preparing(order, ticket.stationId, now);
      this.#settleTickets(order.orderId, now);
    });
    return order.orderId;
  }

  bumpTicket(ticketId: string): string {
    const ticket = this.#ticket(ticketId);
    const order = this.#activeOrder(ticket.orderId);
    if (ticket.bumpedAt !== null) throw new AppError('conflict', 'This ticket is already bumped');
    const now = this.d.clock();
    this.d.store.transaction(() => {
      for (const item of this.d.rows.itemsOfTicket(ticketId)) {
        if (item.firedAt !== null && item.doneAt === null) {
          this.d.rows.setItem(item.orderItemId, { doneAt: now });
        }
      }
      this.#preparing(order, ticket.stationId, now);
      this.#bump(ticket, now);
      this.#settleTickets(order.orderId, now);
    });
    return order.orderId;
  }

  /** Bring a bumped ticket back, in its original place by age. */
  recall(ticketId: string): string {
    const ticket = this.#ticket(ticketId);
    if (ticket.bumpedAt === null) throw new AppError('conflict', 'This ticket is not bumped');
    this.d.store.transaction(() => {
      this.d.rows.setTicket(ticketId, { bumpedAt: null });
      const order = this.d.rows.order(ticket.orderId);
      if (order?.readyAt !== null || order?.expoBumpedAt !== null) {
        this.d.rows.setOrder(ticket.orderId, { readyAt: null, expoBumpedAt: null });
      }
    });
    return ticket.orderId;
  }

  /** Recall the station's most recently bumped ticket (the R key). */
  recallLast(stationId: string): { orderId: string; ticketId: string } {
    const [last] = this.d.rows.recentlyBumped(stationId, 1);
    if (!last) throw new AppError('not-found', 'Nothing has been bumped on this station yet');
    return { orderId: this.recall(last.id), ticketId: last.id };
  }

  /** Send a held course to the kitchen. */
  fire(orderId: string, course: number): string {
    const order = this.#activeOrder(orderId);
    const items = this.d.rows.itemsOfOrder(orderId).filter((i) => i.course === course);
    if (items.length === 0) throw new AppError('not-found', `Course ${course} has no items`);
    if (this.d.rows.firedCourses(orderId).has(course) || course <= order.firstCourse) {
      throw new AppError('conflict', `Course ${course} is already fired`);
    }
    const now = this.d.clock();
    this.d.store.transaction(() => {
      this.d.rows.fireCourse(orderId, course, now);
      for (const item of items) {
        this.d.rows.setItem(item.orderItemId, { firedAt: now });
        const ticket = this.d.rows.ticket(item.ticketId) as TicketRow;
        this.d.rows.setTicket(ticket.id, {
          bumpedAt: null,
          flashUntil: now + FLASH_MS,
          ...(ticket.startedAt === null ? { startedAt: now } : {}),
        });
      }
      this.d.rows.setOrder(orderId, { readyAt: null });
    });
    return orderId;
  }

  rush(orderId: string, rush: boolean): string {
    this.#activeOrder(orderId);
    this.d.store.transaction(() => this.d.rows.setOrder(orderId, { rush: rush ? 1 : 0 }));
    return orderId;
  }

  /** A cancelled order leaves the screens once someone in the kitchen has seen it. */
  acknowledge(orderId: string): string {
    const order = this.d.rows.order(orderId);
    if (!order) throw new AppError('not-found', `Order ${orderId} is not on the kitchen display`);
    if (order.cancelledAt === null) throw new AppError('conflict', 'This order is not cancelled');
    if (order.acknowledgedAt !== null) throw new AppError('conflict', 'Already acknowledged');
    this.d.store.transaction(() =>
      this.d.rows.setOrder(orderId, { acknowledgedAt: this.d.clock() }),
    );
    return orderId;
  }

  /** The expo hands the order over: it leaves the expo screen. */
  serve(orderId: string): string {
    const order = this.#activeOrder(orderId);
    if (order.readyAt === null) {
      throw new AppError('conflict', 'Every station must finish before the order is served');
    }
    this.d.store.transaction(() => this.d.rows.setOrder(orderId, { expoBumpedAt: this.d.clock() }));
    return orderId;
  }

  /** The whole order's kitchen status, set by hand (seed `POST /kds/orders/{id}/status`). */
  setStatus(orderId: string, to: KitchenStatus): string {
    const order = this.#activeOrder(orderId);
    const step = kitchenStep(this.status(order), to);
    if (!step.ok) throw new AppError('illegal-transition', step.reason);
    const now = this.d.clock();
    this.d.store.transaction(() => {
      if (to === 'PREPARING') {
        this.#preparing(order, undefined, now);
        return;
      }
      for (const ticket of this.d.rows.ticketsOfOrder(orderId)) {
        if (ticket.bumpedAt !== null || ticket.startedAt === null) continue;
        for (const item of this.d.rows.itemsOfTicket(ticket.id)) {
          if (item.firedAt !== null && item.doneAt === null) {
            this.d.rows.setItem(item.orderItemId, { doneAt: now });
          }
        }
        this.#bump(ticket, now);
      }
      this.#settleTickets(orderId, now);
    });
    return orderId;
  }

  status(order: KdsOrderRow): KitchenStatus {
    if (order.readyAt !== null) return 'READY';
    if (order.preparingAt !== null) return 'PREPARING';
    return 'NEW';
  }

  /** Raise the preparation alarm for tickets that turned red; returns the orders affected. */
  checkLate(): string[] {
    const now = this.d.clock();
    const shortest = Math.min(
      this.thresholds('').lateAfterMs,
      ...Object.keys(this.d.thresholds).map((s) => this.thresholds(s).lateAfterMs),
    );
    const touched: string[] = [];
    for (const ticket of this.d.rows.unalertedOpen(now - shortest)) {
      const threshold = this.thresholds(ticket.stationId).lateAfterMs;
      const elapsed = now - (ticket.startedAt ?? now);
      if (elapsed < threshold) continue;
      this.d.store.transaction(() => {
        this.d.rows.setTicket(ticket.id, { lateAlerted: 1 });
        this.d.store.emit('kds.preparationtimeexceeded.v1', {
          orderId: ticket.orderId,
          stationId: ticket.stationId,
          ticketId: ticket.id,
          elapsedSeconds: Math.floor(elapsed / 1000),
          thresholdSeconds: Math.max(1, Math.floor(threshold / 1000)),
        });
      });
      touched.push(ticket.orderId);
    }
    return touched;
  }

  // ---- views --------------------------------------------------------------------------------

  /** What one station's screen shows (or the expo's, for `expo`). */
  stationState(stationId: string): StationState {
    const tickets: TicketView[] = [];
    for (const order of this.d.rows.activeOrders()) {
      const view = this.view(order, stationId);
      if (view) tickets.push(view);
    }
    return {
      station: stationId,
      tickets: sortTickets(tickets),
      allDay: stationId === EXPO ? [] : this.allDay(stationId),
      thresholds: this.thresholds(stationId),
    };
  }

  /** The station's all-day counts over its open tickets. */
  allDay(stationId: string): AllDayCount[] {
    return allDayCounts(
      this.d.rows.allDay(stationId).map((r) => ({
        name: r.name,
        variant: r.variant,
        quantity: r.quantity,
        voidedQuantity: 0,
        done: false,
        fired: true,
      })),
    );
  }

  /** The ticket of `order` on a station's screen (or expo), or undefined when it shows none. */
  view(order: KdsOrderRow, stationId: string): TicketView | undefined {
    const cancelled = order.cancelledAt !== null;
    if (cancelled && order.acknowledgedAt !== null) return undefined;
    const fired = this.d.rows.firedCourses(order.orderId);
    const base = {
      orderId: order.orderId,
      number: order.number,
      type: order.type,
      table: order.tableId,
      guests: order.guests,
      rush: order.rush === 1,
      paid: order.paid === 1,
      cancelReason: order.cancelReason,
    };
    if (stationId === EXPO) {
      if (!cancelled && order.expoBumpedAt !== null) return undefined;
      const tickets = this.d.rows.ticketsOfOrder(order.orderId);
      const items = this.d.rows.itemsOfOrder(order.orderId).map((i) => itemView(i));
      return {
        ...base,
        id: order.orderId,
        station: EXPO,
        stationName: 'Expo',
        status: cancelled ? 'cancelled' : order.readyAt !== null ? 'ready' : 'open',
        startedAt: order.receivedAt,
        bumpedAt: null,
        flashUntil: Math.max(0, ...tickets.map((t) => t.flashUntil ?? 0)) || null,
        items,
        heldCourses: held(items, order.firstCourse, fired),
        stations: tickets.map((t) => ({
          id: t.stationId,
          name: this.stationName(t.stationId),
          done: t.bumpedAt !== null,
        })),
      };
    }
    const ticket = this.d.rows.ticketOf(order.orderId, stationId);
    if (!ticket || ticket.startedAt === null) return undefined;
    if (!cancelled && ticket.bumpedAt !== null) return undefined;
    const items = this.d.rows.itemsOfTicket(ticket.id).map((i) => itemView(i));
    return {
      ...base,
      id: ticket.id,
      station: stationId,
      stationName: this.stationName(stationId),
      status: cancelled ? 'cancelled' : 'open',
      startedAt: ticket.startedAt,
      bumpedAt: ticket.bumpedAt,
      flashUntil: ticket.flashUntil,
      items: items.filter((i) => i.fired),
      // The whole order's held courses: "mains to follow" on the starters' station too.
      heldCourses: held(
        this.d.rows.itemsOfOrder(order.orderId).map((i) => itemView(i)),
        order.firstCourse,
        fired,
      ),
    };
  }

  /** Ticket IDs an order has on each screen (to tell screens which tickets to drop). */
  ticketIdsByStation(orderId: string): Map<string, string> {
    return new Map(this.d.rows.ticketsOfOrder(orderId).map((t) => [t.stationId, t.id]));
  }

  /** Preparation times per station and item, late tickets and throughput since `since`. */
  metrics(since: number) {
    const now = this.d.clock();
    const bumps = this.d.rows.bumpsSince(since);
    const hours = Math.max(1 / 60, (now - since) / 3_600_000);
    const group = <K extends string>(rows: typeof bumps, key: (r: (typeof bumps)[number]) => K) => {
      const by = new Map<K, number[]>();
      for (const r of rows) by.set(key(r), [...(by.get(key(r)) ?? []), r.prepMs]);
      return [...by].map(([k, times]) => ({
        key: k,
        count: times.length,
        averageSeconds: round1(times.reduce((a, b) => a + b, 0) / times.length / 1000),
        p90Seconds: round1((percentile(times, 90) ?? 0) / 1000),
      }));
    };
    const tickets = bumps.filter((b) => b.menuItemId === null);
    const items = bumps.filter((b) => b.menuItemId !== null);
    return {
      since: new Date(since).toISOString(),
      until: new Date(now).toISOString(),
      stations: group(tickets, (r) => r.stationId).map(({ key, ...m }) => ({
        stationId: key,
        name: this.stationName(key),
        ...m,
        lateTickets: tickets.filter((t) => t.stationId === key && t.late === 1).length,
        ticketsPerHour: round1(tickets.filter((t) => t.stationId === key).length / hours),
      })),
      items: group(items, (r) => `${r.stationId}\u0000${r.name ?? ''}`).map(({ key, ...m }) => {
        const [stationId, name] = key.split('\u0000');
        return { stationId, name, ...m };
      }),
      lateTickets: tickets.filter((t) => t.late === 1).length,
      ticketsPerHour: round1(tickets.length / hours),
    };
  }

  // ---- internals ----------------------------------------------------------------------------

  #addItems(
    orderId: string,
    lines: readonly OrderLineItem[],
    kind: 'new' | 'add-on',
    now: number,
  ): void {
    const order = this.d.rows.order(orderId) as KdsOrderRow;
    const fired = this.d.rows.firedCourses(orderId);
    let position = this.d.rows.nextPosition(orderId);
    for (const line of lines) {
      let ticket = this.d.rows.ticketOf(orderId, line.stationId);
      const firesNow = firesOnArrival(line.course, order.firstCourse, fired);
      if (!ticket) {
        ticket = {
          id: uuidv7(),
          orderId,
          stationId: line.stationId,
          startedAt: firesNow ? now : null,
          bumpedAt: null,
          flashUntil: kind === 'add-on' ? now + FLASH_MS : null,
          lateAlerted: 0,
        };
        this.d.rows.insertTicket(ticket);
      } else if (firesNow) {
        // An add-on reopens a bumped ticket and makes it flash.
        this.d.rows.setTicket(ticket.id, {
          bumpedAt: null,
          flashUntil: now + FLASH_MS,
          ...(ticket.startedAt === null ? { startedAt: now } : {}),
        });
        if (order.readyAt !== null) this.d.rows.setOrder(orderId, { readyAt: null });
      }
      this.d.rows.insertItem({
        orderItemId: line.orderItemId,
        orderId,
        ticketId: ticket.id,
        position: position++,
        menuItemId: line.menuItemId,
        name: line.name,
        variant: line.variant?.name ?? null,
        modifiers: JSON.stringify(line.modifiers.map((m) => m.name)),
        notes: line.notes ?? null,
        seat: line.seat ?? null,
        course: line.course,
        allergens: JSON.stringify(line.allergens),
        quantity: line.quantity,
        voidedQuantity: 0,
        kind,
        addedAt: now,
        firedAt: firesNow ? now : null,
        doneAt: null,
      });
    }
  }

  /** Tickets whose fired items are all done (or voided) are bumped; the order may be ready. */
  #settleTickets(orderId: string, now: number): void {
    const order = this.d.rows.order(orderId) as KdsOrderRow;
    for (const ticket of this.d.rows.ticketsOfOrder(orderId)) {
      if (ticket.bumpedAt !== null || ticket.startedAt === null) continue;
      const live = this.d.rows
        .itemsOfTicket(ticket.id)
        .filter((i) => i.firedAt !== null && i.quantity > i.voidedQuantity);
      if (live.length > 0 && live.every((i) => i.doneAt !== null)) this.#bump(ticket, now);
    }
    const tickets = this.d.rows.ticketsOfOrder(orderId);
    const items = this.d.rows.itemsOfOrder(orderId);
    const allDone =
      tickets.length > 0 &&
      tickets.every((t) => t.bumpedAt !== null) &&
      items.every((i) => i.firedAt !== null || i.quantity <= i.voidedQuantity);
    if (allDone && order.readyAt === null && order.cancelledAt === null) {
      if (order.preparingAt === null) this.#preparing(order, undefined, now);
      this.d.rows.setOrder(orderId, { readyAt: now });
      this.d.store.emit('order.ready.v1', { orderId, at: new Date(now).toISOString() });
    }
  }

  #bump(ticket: TicketRow, now: number): void {
    this.d.rows.setTicket(ticket.id, { bumpedAt: now });
    const prep = now - (ticket.startedAt ?? now);
    this.d.rows.recordBump({
      ticketId: ticket.id,
      stationId: ticket.stationId,
      menuItemId: null,
      name: null,
      prepMs: prep,
      late: prep >= this.thresholds(ticket.stationId).lateAfterMs,
      at: now,
    });
  }

  #preparing(order: KdsOrderRow, stationId: string | undefined, now: number): void {
    const current = this.d.rows.order(order.orderId) as KdsOrderRow;
    if (current.preparingAt !== null) return;
    this.d.rows.setOrder(order.orderId, { preparingAt: now });
    this.d.store.emit('order.preparing.v1', {
      orderId: order.orderId,
      ...(stationId ? { stationId } : {}),
      at: new Date(now).toISOString(),
    });
  }

  #ticket(id: string): TicketRow {
    const ticket = this.d.rows.ticket(id);
    if (!ticket) throw new AppError('not-found', `Ticket ${id} is not on the kitchen display`);
    return ticket;
  }

  #activeOrder(orderId: string): KdsOrderRow {
    const order = this.d.rows.order(orderId);
    if (!order) throw new AppError('not-found', `Order ${orderId} is not on the kitchen display`);
    if (order.cancelledAt !== null) throw new AppError('conflict', 'This order was cancelled');
    return order;
  }
}

function itemView(i: ItemRow): ItemView {
  return {
    id: i.orderItemId,
    name: i.name,
    variant: i.variant,
    modifiers: JSON.parse(i.modifiers) as string[],
    notes: i.notes,
    seat: i.seat,
    course: i.course,
    quantity: i.quantity,
    voidedQuantity: i.voidedQuantity,
    kind: i.kind,
    fired: i.firedAt !== null,
    done: i.doneAt !== null,
    allergens: JSON.parse(i.allergens) as string[],
  };
}

function held(items: readonly ItemView[], firstCourse: number, fired: ReadonlySet<number>) {
  return [
    ...new Set(
      items
        .filter((i) => !i.fired && !firesOnArrival(i.course, firstCourse, fired))
        .map((i) => i.course),
    ),
  ].sort((a, b) => a - b);
}

/** Rush first, then oldest first: a recalled ticket returns to its place by age. */
export function sortTickets(tickets: TicketView[]): TicketView[] {
  return tickets.sort(
    (a, b) => Number(b.rush) - Number(a.rush) || a.startedAt - b.startedAt || a.number - b.number,
  );
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
