import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PgDatabase, quoteIdentifier } from '@pos/kit/sql';
import type { TestDatabase } from '@pos/kit/sql/testing';
import { freePort } from '../ports.js';

const run = promisify(execFile);

/** The newest PostgreSQL server installed (`/usr/lib/postgresql/<major>/bin`). */
async function serverBin(): Promise<string> {
  const { stdout } = await run('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1']);
  const bin = stdout.trim();
  if (!bin) throw new Error('no PostgreSQL server under /usr/lib/postgresql');
  return bin;
}

/**
 * A PostgreSQL server of the test's own, in a temporary directory, that it can stop and start
 * as it likes without disturbing anyone else's tests on the machine's shared server. It runs as
 * the `postgres` OS user (initdb and postgres refuse to run as root), with trust authentication,
 * listening on 127.0.0.1 at a free port and on a socket in its own directory.
 */
export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const bin = await serverBin();
    const dir = mkdtempSync(join(tmpdir(), 'pos-fault-pg-'));
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    chmodSync(dir, 0o700);
    const server = new PrivatePostgres(bin, dir, await freePort());
    process.once('exit', server.#stopOnExit);
    try {
      await server.#asPostgres(`${bin}/initdb`, [
        '-D',
        server.#data,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--no-sync',
      ]);
      await server.startServer();
    } catch (err) {
      await server.dispose();
      throw err;
    }
    return server;
  }

  /** A test process that ends without disposing (killed, crashed) leaves no server behind. */
  readonly #stopOnExit = () => {
    try {
      execFileSync('runuser', [
        '-u',
        'postgres',
        '--',
        `${this.bin}/pg_ctl`,
        '-D',
        this.#data,
        'stop',
        '-m',
        'immediate',
      ]);
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  };

  get #data(): string {
    return join(this.dir, 'data');
  }

  /** The superuser's URL for database `name` (`postgres` by default). */
  url(name = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** Start the server (again); resolves once it accepts connections. */
  async startServer(): Promise<void> {
    await this.#ctl([
      'start',
      '-w',
      '-t',
      '60',
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      // No fsync: the data is the test's and dies with it; a crash of the machine is not tested.
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    ]);
  }

  /**
   * Stop the server: `fast` ends every session and checkpoints (an operator's restart),
   * `immediate` aborts without a checkpoint (a crash; recovery runs at the next start).
   */
  async stopServer(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#ctl(['stop', '-w', '-t', '60', '-m', mode]);
  }

  /** Stop, stay down `downMs`, start again. */
  async restart(mode: 'fast' | 'immediate' = 'fast', downMs = 0): Promise<void> {
    await this.stopServer(mode);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.startServer();
  }

  /** A fresh database on this server, in the shape of the shared server's test databases. */
  async createDatabase(prefix = 'pos_fault'): Promise<TestDatabase> {
    const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    await this.#admin((c) => c.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
    return {
      name,
      url: this.url(name),
      drop: () =>
        this.#admin((c) =>
          c.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
        ).then(() => {}),
    };
  }

  /** Stop the server (immediately: nothing in it is kept) and remove its directory. */
  async dispose(): Promise<void> {
    process.off('exit', this.#stopOnExit);
    await this.stopServer('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #admin<T>(fn: (db: PgDatabase) => Promise<T>): Promise<T> {
    const db = await PgDatabase.open({ url: this.url(), max: 1 });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  #ctl(args: string[]): Promise<void> {
    return this.#asPostgres(`${this.bin}/pg_ctl`, ['-D', this.#data, ...args]);
  }

  async #asPostgres(command: string, args: string[]): Promise<void> {
    try {
      await run('runuser', ['-u', 'postgres', '--', command, ...args], {
        cwd: this.dir,
        timeout: 90_000,
      });
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`${command} ${args[0] ?? ''} failed: ${e.message}\n${e.stdout}\n${e.stderr}`);
    }
  }
}
