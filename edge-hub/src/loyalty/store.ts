import { LoyaltyRulesChangedV1 } from '@pos/contracts';
import type { Schema, SqliteDatabase } from '@pos/kit';

/**
 * The loyalty programme's earning rules as the cloud last sent them (`loyalty.db`): one row,
 * replaced whole by a higher version. The hub never earns points itself; it estimates with
 * these what an order will earn, offline too.
 */
export const loyaltyHubSchema: Schema = {
  component: 'loyalty',
  migrations: [
    {
      version: 1,
      name: 'earning rules from the cloud',
      up: `
        CREATE TABLE loyalty_rules (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          version INTEGER NOT NULL,
          rules TEXT NOT NULL,
          received_at INTEGER NOT NULL
        );
      `,
    },
  ],
};

export interface HeldRules {
  rules: LoyaltyRulesChangedV1;
  receivedAt: number;
}

/** A payload the contract refuses: the change is logged and skipped by the sync module. */
export class RulesRefused extends Error {
  override name = 'RulesRefused';
}

export class LoyaltyRulesStore {
  readonly #read;
  readonly #write;
  #held: HeldRules | undefined;

  constructor(
    db: SqliteDatabase,
    private readonly clock: () => number,
  ) {
    this.#read = db.prepare('SELECT rules, received_at AS receivedAt FROM loyalty_rules');
    this.#write = db.prepare(
      `INSERT INTO loyalty_rules (id, version, rules, received_at) VALUES (1, @version, @rules, @at)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, rules = excluded.rules,
         received_at = excluded.received_at
       WHERE excluded.version > loyalty_rules.version`,
    );
    const row = this.#read.get() as { rules: string; receivedAt: number } | undefined;
    if (row) {
      // Checked when it arrived; parsed again here for its branded types.
      const parsed = LoyaltyRulesChangedV1.safeParse(JSON.parse(row.rules));
      if (parsed.success) this.#held = { rules: parsed.data, receivedAt: row.receivedAt };
    }
  }

  /**
   * Keep rules from the change feed if they are newer than those held. Throws `RulesRefused`
   * for a payload the contract refuses; an older or repeated version is ignored (`false`).
   */
  apply(payload: unknown): boolean {
    const parsed = LoyaltyRulesChangedV1.safeParse(payload);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(rules)'}: ${i.message}`,
      );
      throw new RulesRefused(`loyalty rules refused: ${issues.join('; ')}`);
    }
    const rules = parsed.data;
    if (this.#held && rules.version <= this.#held.rules.version) return false;
    const at = this.clock();
    this.#write.run({ version: rules.version, rules: JSON.stringify(payload), at });
    this.#held = { rules, receivedAt: at };
    return true;
  }

  current(): HeldRules | undefined {
    return this.#held;
  }
}
