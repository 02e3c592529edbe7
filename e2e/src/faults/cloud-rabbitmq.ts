import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from '../ports.js';

const run = promisify(execFile);
/** The scripts themselves: `/usr/sbin/rabbitmq-*` are wrappers that switch to the shared node's user. */
const BIN = '/usr/lib/rabbitmq/bin';

/**
 * A RabbitMQ node of the test's own (`fault-<random>@localhost`), in a temporary directory,
 * that it can stop and start as it likes without disturbing the machine's shared broker: its
 * own AMQP and distribution ports, database, logs and Erlang cookie, no plugins (so no
 * management port to clash), and the machine's `rabbitmq-env.conf` not read (it names the
 * shared node). `guest` may connect over loopback.
 */
export class PrivateRabbitMq {
  #child: ChildProcess | undefined;
  #out = '';

  private constructor(
    private readonly dir: string,
    readonly node: string,
    readonly port: number,
    private readonly distPort: number,
  ) {}

  static async start(): Promise<PrivateRabbitMq> {
    // A port the system just handed out may be taken again before the node binds it: a node
    // that cannot listen gives up at boot, and is tried once more on other ports.
    for (let attempt = 1; ; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), 'pos-fault-rabbitmq-'));
      const [port, distPort] = (await freePorts(2)) as [number, number];
      const broker = new PrivateRabbitMq(
        dir,
        `fault-${randomBytes(4).toString('hex')}@localhost`,
        port,
        distPort,
      );
      writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
      writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
      writeFileSync(join(dir, 'rabbitmq.conf'), 'loopback_users = none\n');
      writeFileSync(join(dir, '.erlang.cookie'), randomBytes(16).toString('hex').toUpperCase(), {
        mode: 0o400,
      });
      mkdirSync(join(dir, 'log'));
      process.once('exit', broker.#killOnExit);
      try {
        await broker.startNode();
        return broker;
      } catch (err) {
        await broker.dispose();
        if (attempt >= 2) throw err;
      }
    }
  }

  /** `amqp://guest:guest@127.0.0.1:<port>` */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  get #env(): NodeJS.ProcessEnv {
    const dir = this.dir;
    return {
      ...process.env,
      // The cookie is read from $HOME by the node and by rabbitmqctl alike.
      HOME: dir,
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_NODENAME: this.node,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
  }

  /** Start the node (again) as a child process; resolves once it is up and takes connections. */
  async startNode(): Promise<void> {
    const child = spawn(`${BIN}/rabbitmq-server`, [], {
      cwd: this.dir,
      env: this.#env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group (the script and the Erlang VM under it), so that a test run
      // ending abruptly can take the whole node with it.
      detached: true,
    });
    this.#child = child;
    const keep = (chunk: Buffer) => {
      this.#out = (this.#out + chunk.toString()).slice(-10_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`rabbitmq-server exited (${code}) while starting:\n${this.#out}`)),
      ),
    );
    exited.catch(() => {});
    // The AMQP listeners are the last thing a booting node opens.
    await Promise.race([exited, this.#listening()]);
  }

  /** Stop the node (`rabbitmqctl stop`: it closes its clients' connections and exits). */
  async stopNode(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    await this.#ctl(['stop']);
    await gone;
  }

  /** Stop, stay down `downMs`, start again. */
  async restart(downMs = 0): Promise<void> {
    await this.stopNode();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.startNode();
  }

  /** Run `rabbitmqctl` against this node (e.g. `list_queues`); its output. */
  async ctl(args: string[]): Promise<string> {
    return this.#ctl(args);
  }

  output(): string {
    return this.#out;
  }

  async dispose(): Promise<void> {
    await this.stopNode().catch(() => {});
    this.#killOnExit();
    process.off('exit', this.#killOnExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The node's process group, if it is still there (run at the test process's exit too). */
  readonly #killOnExit = () => {
    const child = this.#child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  async #ctl(args: string[]): Promise<string> {
    try {
      const { stdout } = await run(`${BIN}/rabbitmqctl`, ['-q', '-n', this.node, ...args], {
        cwd: this.dir,
        env: this.#env,
        timeout: 120_000,
      });
      return stdout;
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`rabbitmqctl ${args[0]} on ${this.node} failed: ${e.message}\n${e.stderr}`);
    }
  }

  /** Resolves once the AMQP port takes connections. */
  async #listening(): Promise<void> {
    const until = Date.now() + 90_000;
    for (;;) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) return;
      if (this.#child?.exitCode !== null) return;
      if (Date.now() > until) throw new Error(`RabbitMQ ${this.node} is not listening`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
