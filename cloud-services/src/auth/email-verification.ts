import { createHash, randomInt } from 'node:crypto';
import { AppError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import { emit } from './outbox.js';

// A customer proves their email is theirs with a six-digit code sent to it (by the notification
// service, from `auth.emailverificationrequested.v1`). Loyalty finds a guest's points by email,
// so until then an account sees no points: anyone could register someone else's address.

/** How long a code is good for, and how many wrong tries it survives. */
export const CODE_TTL_MS = 30 * 60 * 1_000;
export const MAX_TRIES = 5;
/** A new code at most this often (each is an email). */
export const RESEND_AFTER_MS = 30_000;

const hash = (userId: string, code: string) =>
  createHash('sha256').update(`${userId}:${code}`).digest('hex');

interface CodeRow {
  code_hash: string;
  expired: boolean;
  tries: number;
  age_ms: string | number;
}

export class EmailVerification {
  constructor(private readonly db: SqlDatabase) {}

  /** A fresh code for the user's email, in the caller's transaction (it replaces any other). */
  async request(tx: SqlExecutor, userId: string, email: string): Promise<void> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = new Date(Date.now() + CODE_TTL_MS).toISOString();
    await tx.query(
      `INSERT INTO email_codes (user_id, code_hash, expires_at, tries, created_at)
       VALUES ($1, $2, $3, 0, now())
       ON CONFLICT (user_id) DO UPDATE SET code_hash = $2, expires_at = $3, tries = 0,
         created_at = now()`,
      [userId, hash(userId, code), expiresAt],
    );
    await emit(tx, 'auth.emailverificationrequested.v1', { userId, email, code, expiresAt });
  }

  /** Send another code (a lost email); not more than once every 30 s. */
  async resend(userId: string): Promise<{ sent: true; email: string }> {
    return this.db.transaction(async (tx) => {
      const user = await tx.maybeOne<{ email: string; verified: boolean }>(
        `SELECT email, email_verified_at IS NOT NULL AS verified FROM users WHERE user_id = $1`,
        [userId],
      );
      if (!user) throw new AppError('not-found', 'No such account');
      if (user.verified) throw new AppError('conflict', 'This email is already confirmed');
      const last = await tx.maybeOne<CodeRow>(
        `SELECT (extract(epoch FROM now() - created_at) * 1000)::bigint AS age_ms
         FROM email_codes WHERE user_id = $1 FOR UPDATE`,
        [userId],
      );
      if (last && Number(last.age_ms) < RESEND_AFTER_MS) {
        const wait = Math.ceil((RESEND_AFTER_MS - Number(last.age_ms)) / 1_000);
        throw new AppError('rate-limited', `A code was sent moments ago; ask again in ${wait} s`, {
          headers: { 'Retry-After': String(wait) },
        });
      }
      await this.request(tx, userId, user.email);
      return { sent: true, email: user.email };
    });
  }

  /** The code from the email: right, the email is confirmed; wrong, 400; used up, 409. */
  async confirm(userId: string, code: string): Promise<{ verified: true }> {
    const outcome = await this.db.transaction(async (tx) => {
      const user = await tx.maybeOne<{ verified: boolean }>(
        'SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE user_id = $1',
        [userId],
      );
      if (!user) return 'missing' as const;
      if (user.verified) return 'done' as const;
      const row = await tx.maybeOne<CodeRow>(
        `SELECT code_hash, expires_at < now() AS expired, tries FROM email_codes
         WHERE user_id = $1 FOR UPDATE`,
        [userId],
      );
      if (!row || row.expired || row.tries >= MAX_TRIES) return 'spent' as const;
      if (row.code_hash !== hash(userId, code)) {
        await tx.query('UPDATE email_codes SET tries = tries + 1 WHERE user_id = $1', [userId]);
        return 'wrong' as const;
      }
      await tx.query('UPDATE users SET email_verified_at = now() WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM email_codes WHERE user_id = $1', [userId]);
      return 'done' as const;
    });
    switch (outcome) {
      case 'missing':
        throw new AppError('not-found', 'No such account');
      case 'spent':
        throw new AppError(
          'conflict',
          'This code has expired or was tried too often; ask for a new one',
        );
      case 'wrong':
        throw new AppError('validation', 'That is not the code we sent', {
          errors: [{ field: 'code', message: 'not the code we sent' }],
        });
      case 'done':
        return { verified: true };
    }
  }
}
