import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from '@pos/kit';
import {
  type Change,
  type ChangesResponse,
  type HubState,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  type PushResponse,
} from '../protocol.js';

const gzip = promisify(gzipCallback);

/** The hub's queue of events for the cloud, numbered 1, 2, 3… without gaps. */
export interface UpstreamQueue {
  /** Events after `sequence`, in order, at most `maxEvents` and about `maxBytes` of JSON. */
  after(
    sequence: number,
    maxEvents: number,
    maxBytes: number,
  ): { sequence: number; envelope: string }[];
  /** The highest sequence queued. */
  last(): number;
  /** When the oldest event after `sequence` was queued (epoch ms). */
  oldestAfter(sequence: number): number | undefined;
  /** Called when new events are queued. */
  onQueued(listener: () => void): void;
}

export type SyncStateKey =
  | 'credential'
  | 'cloudUrl'
  | 'storeId'
  | 'acked'
  | 'cursor'
  | 'cloudMenuVersion'
  | 'storeConfig';

/** Where the client keeps its position (survives restarts). */
export interface SyncStateStore {
  get(key: SyncStateKey): string | undefined;
  set(key: SyncStateKey, value: string | undefined): void;
}

export type SyncState =
  | 'not-enrolled'
  | 'connecting'
  | 'online'
  | 'offline'
  | 'credential-rejected';

export interface SyncStatus {
  state: SyncState;
  storeId: string | undefined;
  cloudUrl: string | undefined;
  /** Events queued on the hub that the cloud has not confirmed. */
  pendingEvents: number;
  oldestPendingAt: string | undefined;
  lastSequenceQueued: number;
  lastSequenceConfirmed: number;
  lastSuccessAt: string | undefined;
  lastError: string | undefined;
  lastErrorAt: string | undefined;
  changeCursor: number;
  /** Events sent per second over the last pass, while catching up. */
  sendingRate: number | undefined;
}

export interface SyncClientOptions {
  queue: UpstreamQueue;
  state: SyncStateStore;
  logger: Logger;
  /** Apply one change from the cloud; resolve once it is stored (the cursor moves after). */
  applyChange: (change: Change) => Promise<void> | void;
  /**
   * What the hub tells the cloud of itself with each push (menu version it runs…); the client
   * adds what waits to be sent.
   */
  hubState: () => Omit<HubState, 'pendingEvents'>;
  clock?: () => number;
  /** Backoff between tries while the cloud cannot be reached (seed §7.2: 1 s to 60 s). */
  backoff?: { minMs: number; maxMs: number };
  /** Push even with nothing new this often, so the cloud knows the hub is alive. */
  heartbeatMs?: number;
  /** How long the cloud may hold a change-feed request open. */
  longPollMs?: number;
  fetch?: typeof fetch;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(`the cloud answered ${status}: ${String(body.detail ?? body.title ?? '')}`);
  }
}

/** A batch read from the queue and compressed (see `#prepare`). */
interface PreparedBatch {
  after: number;
  rows: { sequence: number; envelope: string }[];
  events: Promise<Buffer>;
}

/** A batch sent, its answer awaited. */
interface InFlight {
  /** The position it follows. */
  after: number;
  events: number;
  /** Its last sequence. */
  last: number;
  started: number;
  answer: Promise<PushResponse>;
}

/**
 * The hub end of sync. Pushes the upstream queue in order, in batches bounded in count and
 * bytes, gzipped; moves its confirmed position only to what the cloud says it holds, so a lost
 * answer means the batch is sent again and skipped there. Pulls the change feed by cursor with
 * long polls and applies each change before moving the cursor. While the cloud cannot be
 * reached it waits with exponential backoff and full jitter; nothing in the queue expires.
 */
export class SyncClient {
  readonly #o: SyncClientOptions;
  readonly #clock: () => number;
  readonly #fetch: typeof fetch;
  #running = false;
  #wake: (() => void) | undefined;
  readonly #sleepers = new Set<() => void>();
  #pullAbort: AbortController | undefined;
  #loops: Promise<void>[] = [];
  #state: SyncState;
  #lastSuccessAt: number | undefined;
  #lastError: { message: string; at: number } | undefined;
  #rate: number | undefined;
  #inFlight: InFlight[] = [];

  constructor(options: SyncClientOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#fetch = options.fetch ?? fetch;
    this.#state = options.state.get('credential') ? 'connecting' : 'not-enrolled';
    options.queue.onQueued(() => this.#wake?.());
  }

  get enrolled(): boolean {
    return this.#o.state.get('credential') !== undefined;
  }

  status(): SyncStatus {
    const acked = this.#acked();
    const last = this.#o.queue.last();
    const oldest = this.#o.queue.oldestAfter(acked);
    return {
      state: this.#state,
      storeId: this.#o.state.get('storeId'),
      cloudUrl: this.#o.state.get('cloudUrl'),
      pendingEvents: Math.max(0, last - acked),
      oldestPendingAt: oldest === undefined ? undefined : new Date(oldest).toISOString(),
      lastSequenceQueued: last,
      lastSequenceConfirmed: acked,
      lastSuccessAt: this.#lastSuccessAt ? new Date(this.#lastSuccessAt).toISOString() : undefined,
      lastError: this.#lastError?.message,
      lastErrorAt: this.#lastError ? new Date(this.#lastError.at).toISOString() : undefined,
      changeCursor: Number(this.#o.state.get('cursor') ?? 0),
      sendingRate: this.#rate,
    };
  }

  /** Trade an enrolment code for this store's credential, and start. */
  async enrol(
    cloudUrl: string,
    code: string,
    expectedStoreId: string,
  ): Promise<{ storeId: string; name: string }> {
    const url = cloudUrl.replace(/\/+$/, '');
    const res = await this.#fetch(`${url}/api/v1/sync/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new HttpError(res.status, body);
    const storeId = String(body.storeId);
    if (storeId !== expectedStoreId) {
      throw new Error(
        `the code is for store ${storeId}, but this hub is set up as ${expectedStoreId} (STORE_ID)`,
      );
    }
    await this.stop();
    this.#o.state.set('cloudUrl', url);
    this.#o.state.set('storeId', storeId);
    this.#o.state.set('credential', String(body.credential));
    this.#o.state.set('cursor', '0');
    this.#state = 'connecting';
    this.#lastError = undefined;
    this.start();
    return { storeId, name: String(body.name) };
  }

  start(): void {
    if (this.#running || !this.enrolled) return;
    this.#running = true;
    this.#loops = [
      this.#loop('push', () => this.#pushPass()),
      this.#loop('pull', () => this.#pullPass()),
    ];
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    this.#pullAbort?.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  /** Send now rather than at the next heartbeat or retry ("sync now"). */
  syncNow(): void {
    this.#wake?.();
    this.#pullAbort?.abort();
  }

  #acked(): number {
    return Number(this.#o.state.get('acked') ?? 0);
  }

  async #loop(name: string, pass: () => Promise<'more' | 'idle'>): Promise<void> {
    let failures = 0;
    while (this.#running) {
      try {
        const outcome = await pass();
        failures = 0;
        if (outcome === 'more') {
          // Let the hub's live work (orders, payments) run between batches.
          await new Promise((r) => setImmediate(r));
          continue;
        }
        await this.#sleep(name === 'push' ? (this.#o.heartbeatMs ?? 15_000) : 0);
      } catch (err) {
        failures += 1;
        this.#failed(err as Error);
        const { minMs, maxMs } = this.#o.backoff ?? { minMs: 1_000, maxMs: 60_000 };
        const ceiling = Math.min(maxMs, minMs * 2 ** (failures - 1));
        // Full jitter: many hubs coming back at once do not all knock together.
        await this.#sleep(minMs / 2 + Math.random() * (ceiling - minMs / 2));
      }
    }
  }

  /**
   * Wait `ms`, or less when woken (new events, "sync now", stop). Both loops may be asleep at
   * once; waking wakes each sleeper still waiting, and a sleep that has ended is forgotten, so
   * waking costs the same however long the hub has run.
   */
  #sleep(ms: number): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
      this.#wake = () => {
        for (const sleeper of [...this.#sleepers]) sleeper();
      };
    });
  }

  #failed(err: Error) {
    if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
      this.#state = 'credential-rejected';
    } else if (this.#state !== 'credential-rejected' || !(err instanceof HttpError)) {
      this.#state = 'offline';
    }
    const message = err.name === 'TimeoutError' ? 'the cloud did not answer in time' : err.message;
    if (this.#lastError?.message !== message)
      this.#o.logger.warn({ err: message }, 'sync: cloud not reached; will retry');
    this.#lastError = { message, at: this.#clock() };
  }

  #succeeded() {
    if (this.#state !== 'online') this.#o.logger.info('sync: connected to the cloud');
    this.#state = 'online';
    this.#lastSuccessAt = this.#clock();
  }

  async #call(
    path: string,
    init: RequestInit & { timeoutMs: number },
  ): Promise<Record<string, unknown>> {
    const res = await this.#fetch(`${this.#o.state.get('cloudUrl')}${path}`, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        authorization: `Bearer ${this.#o.state.get('credential')}`,
      },
      signal: init.signal ?? AbortSignal.timeout(init.timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new HttpError(res.status, body);
    return body;
  }

  /**
   * The events after `after` read from the queue and compressed: the first gzip member of a
   * push body, `{"events":[…]`. The hub's state follows at send time as a second member (a gzip
   * stream may hold several, decompressed as one), so what it says is current when it is sent.
   */
  #prepare(after: number): PreparedBatch {
    const rows = this.#o.queue.after(after, MAX_BATCH_EVENTS, MAX_BATCH_BYTES);
    const events = gzip(`{"events":[${rows.map((r) => r.envelope).join(',')}]`);
    return { after, rows, events };
  }

  /**
   * Send a prepared batch. The hub's state goes with it, saying what will wait behind this batch
   * once the cloud holds it. An answer that comes when nobody waits for it any more (the batch
   * before it failed) still moves the position forward.
   */
  #send(batch: PreparedBatch): InFlight {
    const last = batch.rows.at(-1)?.sequence ?? batch.after;
    const answer = (async () => {
      const hub = {
        ...this.#o.hubState(),
        pendingEvents: Math.max(0, this.#o.queue.last() - last),
      };
      const state = gzip(`,"state":${JSON.stringify(hub)}}`);
      const body = Buffer.concat([await batch.events, await state]);
      return (await this.#call('/api/v1/sync/push', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
        timeoutMs: 30_000,
      })) as unknown as PushResponse;
    })();
    answer.then((a) => this.#confirm(a.lastSequence)).catch(() => {});
    return { after: batch.after, events: batch.rows.length, last, started: this.#clock(), answer };
  }

  /** Move the confirmed position forward to what the cloud says it holds. */
  #confirm(cloudPosition: number) {
    const position = Math.min(cloudPosition, this.#o.queue.last());
    if (position > this.#acked()) this.#o.state.set('acked', String(position));
  }

  /**
   * One batch up. 'more' when a full batch went, so the next follows at once. While the cloud
   * applies one batch the next is read, compressed and sent (two on the way at most), so that
   * catching up after an outage keeps the cloud busy rather than waiting on the round trip; the
   * cloud applies them in order whichever reaches it first. The position moves only on answers.
   */
  async #pushPass(): Promise<'more' | 'idle'> {
    const acked = this.#acked();
    if (this.#inFlight[0]?.after !== acked) this.#inFlight = [this.#send(this.#prepare(acked))];
    const head = this.#inFlight[0] as InFlight;
    if (this.#inFlight.length === 1 && head.events > 0 && this.#o.queue.last() > head.last) {
      // Once the head is on its way (the read blocks the event loop for a moment).
      setImmediate(() => {
        if (this.#running && this.#inFlight.length === 1 && this.#inFlight[0] === head)
          this.#inFlight.push(this.#send(this.#prepare(head.last)));
      });
    }
    let answer: PushResponse;
    try {
      answer = await head.answer;
    } catch (err) {
      // What was sent behind it is left to its own answer.
      this.#inFlight = [];
      if (
        err instanceof HttpError &&
        err.status === 409 &&
        typeof err.body.lastSequence === 'number'
      ) {
        // The cloud holds less than we thought (restored from a backup): send from its position.
        const position = Math.min(err.body.lastSequence, this.#o.queue.last());
        this.#o.logger.warn(
          { cloud: position, hub: acked },
          'sync: resending from the cloud position',
        );
        this.#o.state.set('acked', String(position));
        return 'more';
      }
      throw err;
    }
    this.#inFlight.shift();
    this.#confirm(answer.lastSequence);
    this.#succeeded();
    const elapsed = Math.max(1, this.#clock() - head.started);
    this.#rate = head.events > 0 ? Math.round((head.events * 1000) / elapsed) : undefined;
    return head.events >= MAX_BATCH_EVENTS || this.#o.queue.last() > this.#acked()
      ? 'more'
      : 'idle';
  }

  /** One long poll down; each change is applied before the cursor moves past it. */
  async #pullPass(): Promise<'more' | 'idle'> {
    const cursor = Number(this.#o.state.get('cursor') ?? 0);
    this.#pullAbort = new AbortController();
    const waitMs = this.#o.longPollMs ?? 25_000;
    let answer: ChangesResponse;
    try {
      answer = (await this.#call(`/api/v1/sync/changes?after=${cursor}&waitMs=${waitMs}`, {
        method: 'GET',
        signal: AbortSignal.any([this.#pullAbort.signal, AbortSignal.timeout(waitMs + 15_000)]),
        timeoutMs: waitMs + 15_000,
      })) as unknown as ChangesResponse;
    } catch (err) {
      // Stopped, or asked to sync now: not a failure.
      if (this.#pullAbort.signal.aborted) return 'idle';
      throw err;
    }
    this.#succeeded();
    for (const change of answer.changes) {
      await this.#o.applyChange(change);
      this.#o.state.set('cursor', String(change.cursor));
    }
    return answer.changes.length > 0 ? 'more' : 'idle';
  }

  /**
   * A read from the cloud sync service with this store's credential (a loyalty lookup), beside
   * the push and pull: it leaves the link's state alone. Throws when the hub is not enrolled,
   * when no answer comes within `timeoutMs`, and with `status` and `body` on an answer not 2xx.
   */
  async cloudGet(
    path: string,
    signal?: AbortSignal,
    timeoutMs = 4_000,
  ): Promise<Record<string, unknown>> {
    if (!this.enrolled) throw new Error('this hub is not enrolled with the cloud');
    const timeout = AbortSignal.timeout(timeoutMs);
    return this.#call(path, {
      method: 'GET',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      timeoutMs,
    });
  }
}
