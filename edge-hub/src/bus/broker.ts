import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@pos/kit';
import { Aedes, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';

export const INTERNAL_USERNAME = 'hub-internal';

export interface BrokerOptions {
  port: number;
  host: string;
  logger: Logger;
}

export interface EdgeBroker {
  aedes: Aedes;
  /** The TCP port actually bound (useful when asked for port 0). */
  port: number;
  /** Credentials the hub's own services use; only they may publish. */
  internalCredentials: { username: string; password: string };
  /** Serve MQTT over WebSocket on `path` of an HTTP server (terminals and screens in browsers). */
  attachWebSocket(server: HttpServer, path?: string): void;
  close(): Promise<void>;
}

/**
 * The hub's embedded MQTT broker. Devices on the LAN may connect and subscribe; only the hub's
 * own services, holding a secret made fresh at every start, may publish. Nothing on the LAN
 * can forge an order or a payment event.
 */
export async function startBroker(options: BrokerOptions): Promise<EdgeBroker> {
  const secret = randomBytes(24).toString('base64url');
  const internal = new WeakSet<Client>();
  const aedes = await Aedes.createBroker({
    heartbeatInterval: 30_000,
    authenticate: (client, username, password, done) => {
      if (username === undefined) return done(null, true);
      const ok =
        username === INTERNAL_USERNAME &&
        password !== undefined &&
        password.length === secret.length &&
        timingSafeEqual(password, Buffer.from(secret));
      if (ok) internal.add(client);
      done(null, ok);
    },
    authorizePublish: (client, _packet, done) => {
      if (client && internal.has(client)) return done(null);
      done(new Error('publishing is reserved to the hub'));
    },
  });
  aedes.on('clientError', (client, err) => {
    options.logger.debug({ clientId: client.id, err: err.message }, 'mqtt client error');
  });
  aedes.on('connectionError', (client, err) => {
    options.logger.debug({ clientId: client?.id, err: err.message }, 'mqtt connection error');
  });

  const sockets = new Set<Socket | Duplex>();
  const tcp: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  const port = await new Promise<number>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port, options.host, () => {
      const address = tcp.address();
      resolve(typeof address === 'object' && address ? address.port : options.port);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  wss.on('connection', (socket, request: IncomingMessage) => {
    const stream = createWebSocketStream(socket);
    sockets.add(stream);
    stream.once('close', () => sockets.delete(stream));
    stream.on('error', () => socket.terminate());
    aedes.handle(stream, request);
  });

  return {
    aedes,
    port,
    internalCredentials: { username: INTERNAL_USERNAME, password: secret },
    attachWebSocket(server, path = '/mqtt') {
      server.on('upgrade', (request, socket, head) => {
        const url = new URL(request.url ?? '/', 'http://hub');
        if (url.pathname !== path) return;
        wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
      });
    },
    async close() {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
