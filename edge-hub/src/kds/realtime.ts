import type { Server as HttpServer } from 'node:http';
import type { Logger } from '@pos/kit';
import { Server } from 'socket.io';
import { z } from 'zod';
import { EXPO, type KdsService, type TicketView } from './kds-service.js';

export const KDS_SOCKET_PATH = '/ws/kitchen-orders';

const Subscribe = z.object({ station: z.string().min(1).max(32) }).strict();

/** What a screen receives: the whole state on (re)subscribing, then deltas. */
export interface KdsDelta {
  version: number;
  /** The hub's clock when sent: screens age tickets by it, never by their own clock. */
  serverTime: number;
  station: string;
  /** Tickets to show (new or changed), replacing any with the same id. */
  tickets: TicketView[];
  /** Tickets to take off the screen. */
  removed: string[];
  allDay: ReturnType<KdsService['stationState']>['allDay'];
}

/** Whether a staff session token may watch the kitchen (a cook, or a cashier at the pass). */
export type ScreenAuthorizer = (token: string) => Promise<boolean>;

/** The reason a screen is refused; the kitchen display signs out on it. */
export const SCREEN_REFUSED = 'sign in to watch the kitchen';

/**
 * Screens connect with socket.io at `/ws/kitchen-orders`, with their staff session token in
 * the handshake (`auth: { token }`, never in the address), and `subscribe` to a station (or
 * `expo`). On every (re)subscribe a screen gets the full current state with a version number,
 * then only deltas with higher versions; a screen that lost its connection resubscribes and
 * starts again from a full state, so it misses no ticket and shows none twice.
 */
export class KdsRealtime {
  readonly io: Server;
  #version = 0;

  constructor(
    server: HttpServer,
    private readonly kds: KdsService,
    private readonly clock: () => number,
    private readonly logger: Logger,
    authorize: ScreenAuthorizer,
  ) {
    this.io = new Server(server, {
      path: KDS_SOCKET_PATH,
      // Other upgrades on this server (MQTT over WebSocket at /mqtt) are not ours to close.
      destroyUpgrade: false,
      serveClient: false,
    });
    // The tickets are the same as over HTTP, so the same people may see them.
    this.io.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
        next(new Error(SCREEN_REFUSED));
        return;
      }
      authorize(token).then(
        (ok) => next(ok ? undefined : new Error(SCREEN_REFUSED)),
        (err: unknown) => {
          this.logger.warn({ err }, 'a kitchen screen could not be checked');
          next(new Error(SCREEN_REFUSED));
        },
      );
    });
    this.io.on('connection', (socket) => {
      let station: string | undefined;
      socket.on('subscribe', (raw: unknown, ack?: unknown) => {
        const parsed = Subscribe.safeParse(raw);
        if (!parsed.success) {
          if (typeof ack === 'function') ack({ ok: false, error: 'subscribe with { station }' });
          return;
        }
        if (station) void socket.leave(room(station));
        station = parsed.data.station;
        void socket.join(room(station));
        socket.emit('state', this.snapshot(station));
        if (typeof ack === 'function') ack({ ok: true });
      });
    });
  }

  get version(): number {
    return this.#version;
  }

  snapshot(station: string) {
    const state = this.kds.stationState(station);
    return { ...state, version: this.#version, serverTime: this.clock() };
  }

  /** Send the tickets of these orders again to every screen showing them. */
  publish(orderIds: readonly string[]): void {
    if (orderIds.length === 0) return;
    this.#version += 1;
    const version = this.#version;
    const serverTime = this.clock();
    const orders = [...new Set(orderIds)]
      .map((id) => this.kds.rows.order(id))
      .filter((o) => o !== undefined);
    const stations = new Set<string>([EXPO]);
    for (const order of orders) {
      for (const s of this.kds.ticketIdsByStation(order.orderId).keys()) stations.add(s);
    }
    for (const station of stations) {
      // No screen shows this station: nothing to work out (one that subscribes gets it whole).
      if (!this.io.sockets.adapter.rooms.get(room(station))?.size) continue;
      const target = this.io.to(room(station));
      const tickets: TicketView[] = [];
      const removed: string[] = [];
      for (const order of orders) {
        const view = this.kds.view(order, station);
        if (view) tickets.push(view);
        else {
          const id =
            station === EXPO
              ? order.orderId
              : this.kds.ticketIdsByStation(order.orderId).get(station);
          if (id) removed.push(id);
        }
      }
      const delta: KdsDelta = {
        version,
        serverTime,
        station,
        tickets,
        removed,
        allDay: station === EXPO ? [] : this.kds.allDay(station),
      };
      target.emit('delta', delta);
    }
    this.logger.debug({ version, orders: orders.length }, 'kitchen screens updated');
  }

  /** Disconnect every screen; the HTTP server itself is the hub's to close. */
  close(): void {
    this.io.disconnectSockets(true);
    this.io.engine.close();
  }
}

const room = (station: string) => `station:${station}`;
