/**
 * The soak's kitchen: one screen per kitchen station and the expo, each a socket.io client of
 * the hub as the kitchen display is (`kitchen-display/src/app.ts`: subscribe to a station, the
 * full state, then deltas with higher versions). A station's cook bumps each open ticket a
 * cooking time after it shows; the expo hands each order over once it shows ready, and the
 * order is closed (picked up, or completed at the table). A ticket
 * that comes back with an ADD-ON is open again and is bumped again.
 */
import { io, type Socket } from 'socket.io-client';
import { tokenOf } from '../lib/pos-api.js';
import type { StaffClient } from './ops.js';

interface TicketView {
  id: string;
  orderId: string;
  station: string;
  /** The order's type: a takeout is picked up, a table's order completed. */
  type: string;
  status: 'open' | 'bumped' | 'cancelled' | 'ready';
}

interface Update {
  version: number;
  tickets: TicketView[];
  removed?: string[];
}

export interface KitchenOptions {
  /** How long a cook takes over a ticket before bumping it. */
  cookMs: number;
  /** How long a ready order waits at the pass before the expo hands it over. */
  passMs: number;
}

class Screen {
  readonly socket: Socket;
  #version = -1;
  /** Tickets with a bump (or a hand-over) on its way, so that an update does not send another. */
  readonly #busy = new Set<string>();

  constructor(
    url: string,
    readonly station: string,
    readonly kitchen: Kitchen,
  ) {
    this.socket = io(url, {
      path: '/ws/kitchen-orders',
      transports: ['websocket'],
      forceNew: true,
      // The cook's session, read again on each reconnect (it is renewed on a 401).
      auth: (cb) => cb({ token: tokenOf(kitchen.cook) }),
    });
    this.socket.on('connect', () => {
      this.#version = -1;
      this.socket.emit('subscribe', { station });
    });
    this.socket.on('disconnect', () => kitchen.disconnects++);
    this.socket.on('state', (s: Update) => {
      this.#version = s.version;
      kitchen.subscribed.add(station);
      for (const t of s.tickets) this.see(t);
    });
    this.socket.on('delta', (d: Update) => {
      // Deltas older than the state in hand were already counted in it (as the screen does).
      if (d.version <= this.#version) return;
      this.#version = d.version;
      for (const t of d.tickets) this.see(t);
    });
  }

  /** Act on a ticket as it now is (from an update, or from the REST view in a sweep). */
  see(t: TicketView): void {
    if (this.#busy.has(t.id)) return;
    if (this.station === 'expo') {
      if (t.status !== 'ready' || this.kitchen.served.has(t.orderId)) return;
      this.#later(t.id, this.kitchen.options.passMs, async () => {
        if (!this.kitchen.passed.has(t.orderId)) {
          await this.kitchen.cook.call(
            'serve order',
            { path: `/api/v1/kds/orders/${t.orderId}/serve`, json: {} },
            [200],
          );
          this.kitchen.passed.add(t.orderId);
        }
        // Off the pass and into the guest's hands: the order itself is closed.
        const status = t.type === 'dine-in' ? 'COMPLETED' : 'PICKED_UP';
        await this.kitchen.cook.call(
          'hand over',
          { path: `/api/v1/orders/${t.orderId}/status`, json: { status } },
          [200],
        );
        this.kitchen.served.add(t.orderId);
      });
    } else if (t.status === 'open') {
      this.#later(t.id, this.kitchen.options.cookMs, async () => {
        // A 409: the ticket was bumped meanwhile (an update this screen had not seen yet).
        const res = await this.kitchen.cook.call(
          'bump ticket',
          { path: `/api/v1/kds/tickets/${t.id}/bump`, json: {} },
          [200, 409],
        );
        if (res.status === 200) this.kitchen.bumped++;
        else this.kitchen.conflicts++;
      });
    }
  }

  #later(ticketId: string, ms: number, work: () => Promise<void>): void {
    this.#busy.add(ticketId);
    const timer = setTimeout(() => {
      this.kitchen.timers.delete(timer);
      work()
        .catch(() => {
          // Counted as a failure by the client; the ticket stays for the next update.
        })
        .finally(() => this.#busy.delete(ticketId));
    }, ms);
    this.kitchen.timers.add(timer);
  }
}

export class Kitchen {
  readonly screens: Screen[];
  /** Orders the expo served off the pass, and those then closed (handed to the guest). */
  readonly passed = new Set<string>();
  readonly served = new Set<string>();
  readonly subscribed = new Set<string>();
  readonly timers = new Set<NodeJS.Timeout>();
  bumped = 0;
  conflicts = 0;
  disconnects = 0;

  constructor(
    url: string,
    stations: readonly string[],
    readonly cook: StaffClient,
    readonly options: KitchenOptions,
  ) {
    this.screens = [...stations, 'expo'].map((s) => new Screen(url, s, this));
  }

  /** Resolves once every screen has its first full state. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.subscribed.size < this.screens.length) {
      if (Date.now() > until) throw new Error('the kitchen screens did not all subscribe');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Read every screen's tickets over REST and act on them, as a screen that reconnects would:
   * a bump or hand-over that failed is tried again even when no update comes any more.
   */
  async sweep(): Promise<void> {
    for (const screen of this.screens) {
      const { tickets } = await this.cook.json<{ tickets: TicketView[] }>({
        path: `/api/v1/kds/stations/${screen.station}/tickets`,
      });
      for (const t of tickets) screen.see(t);
    }
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    for (const s of this.screens) s.socket.close();
  }
}
