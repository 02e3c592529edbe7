import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from './db.js';
import { WalSync } from './wal-sync.js';

const dir = mkdtempSync(join(tmpdir(), 'pos-walsync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WalSync', () => {
  it('shares one sync among callers that arrive while none is running, and queues later ones', async () => {
    const path = join(dir, 'a.db');
    const db = openSqlite({ path, synchronous: 'NORMAL' });
    db.exec('CREATE TABLE t (v INTEGER)');
    let seq = 0;
    const marks: number[] = [];
    const wal = new WalSync(
      `${path}-wal`,
      () => seq,
      (m) => marks.push(m),
    );
    db.prepare('INSERT INTO t VALUES (1)').run();
    seq = 1;
    const first = wal.sync();
    db.prepare('INSERT INTO t VALUES (2)').run();
    seq = 2;
    // Both arrive while the first sync runs: they share the one queued after it.
    const second = wal.sync();
    const third = wal.sync();
    expect(second).toBe(third);
    await Promise.all([first, second, third]);
    expect(wal.syncs).toBe(2);
    expect(marks).toEqual([1, 2]);
    await wal.close();
    db.close();
  });

  it('reports the mark at once when there is no WAL file yet', async () => {
    const marks: number[] = [];
    const wal = new WalSync(
      join(dir, 'missing.db-wal'),
      () => 5,
      (m) => marks.push(m),
    );
    await wal.sync();
    expect(marks).toEqual([5]);
    expect(wal.syncs).toBe(0);
  });
});
