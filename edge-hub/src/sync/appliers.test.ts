import { hash } from '@node-rs/argon2';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import { hashPin } from '@pos/kit/pin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MenuModule } from '../menu/module.js';
import type { PaymentModule } from '../payments/module.js';
import type { StaffModule } from '../staff/module.js';
import { moduleOf, PINS, startTestHub, type TestHub } from '../testing/hub-harness.js';
import { rosterApplier, storeConfigApplier } from './appliers.js';

// Rosters and store config from the cloud, applied to a running hub: a payload the hub cannot
// use is refused whole, and what it holds stays as it was.

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.stop();
});

const staff = () => moduleOf<StaffModule>(hub, 'staff').service();
const member = {
  userId: '0193a2b4-0000-7000-8000-000000000001',
  name: 'Marcus Reed',
  roles: ['manager'],
  pinHash: EVENT_SAMPLES['auth.rosterchanged.v1'].staff[0]?.pinHash ?? '',
};

describe('applying the roster', () => {
  it('refuses a roster that is empty or malformed, keeping the one the hub has', async () => {
    const apply = rosterApplier(staff);
    const before = staff().list();
    expect(() => apply({ staff: [] }, { replay: false })).toThrow(/empty roster/);
    expect(() => apply({ staff: [{ ...member, pinHash: 'plain' }] }, { replay: false })).toThrow(
      /roster not valid/,
    );
    expect(() => apply({ staff: [{ ...member, roles: ['customer'] }] }, { replay: false })).toThrow(
      /roster not valid/,
    );
    expect(staff().list()).toEqual(before);
    expect((await staff().checkPin(PINS.cashier, 'test')).ok).toBe(true);
  });

  it('signs staff in with the hashes it was given, scrypt or argon2id', async () => {
    rosterApplier(staff)(
      {
        staff: [
          { ...member, name: 'Scrypt Sam', pinHash: await hashPin('3141') },
          {
            ...member,
            userId: '0193a2b4-0000-7000-8000-000000000002',
            name: 'Argon Ada',
            roles: ['cook'],
            pinHash: await hash('2718', { memoryCost: 19_456, timeCost: 2, parallelism: 1 }),
          },
        ],
      },
      { replay: false },
    );
    const sam = await staff().checkPin('3141', 'test');
    const ada = await staff().checkPin('2718', 'test');
    expect(sam.ok && sam.staff.name).toBe('Scrypt Sam');
    expect(ada.ok && ada.staff.roles).toEqual(['cook']);
    expect((await staff().checkPin(PINS.cashier, 'test')).ok).toBe(false);
    expect(staff().holds(member.userId, ['manager'])).toBe(true);
    expect(staff().holds(member.userId, ['owner'])).toBe(false);
  });
});

describe('applying store config', () => {
  it('refuses a config that is not valid and changes nothing', async () => {
    const payments = moduleOf<PaymentModule>(hub, 'payments');
    const menu = moduleOf<MenuModule>(hub, 'menu').service();
    const apply = storeConfigApplier({
      menu: () => menu,
      offlineCaps: (caps) => payments.offlineCaps(caps),
      printing: () => undefined,
    });
    const caps = payments.offlineCaps();
    const etag = menu.etag();
    await expect(
      apply(
        {
          offlineCard: { perTransactionCapCents: 1, totalCapCents: 2 },
          taxRates: [{ taxCategoryId: 'food', rateBasisPoints: -5 }],
        },
        { replay: false },
      ),
    ).rejects.toThrow(/store config not valid/);
    expect(payments.offlineCaps()).toEqual(caps);
    expect(menu.etag()).toBe(etag);

    await apply(
      { taxRates: [{ taxCategoryId: 'alcohol', rateBasisPoints: 1_100 }] },
      { replay: true },
    );
    expect(menu.current().taxCategories.find((t) => t.id === 'alcohol')?.rateBasisPoints).toBe(
      1_100,
    );
    expect(menu.etag()).not.toBe(etag);
    expect(payments.offlineCaps()).toEqual(caps);
  });
});
