import type { Cloud } from '@pos/cloud-services/cloud';
import { verifyPin } from '@pos/kit/pin';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { callJson, ONE_BURGER_DRAFT, startCloudAsOwner } from './cloud-harness.js';

// The manager portal's staff page and store settings in headless Chromium, through the
// gateway: an owner adds cashiers with PINs (a PIN already used at the store is refused beside
// the PIN), sets a new PIN, moves someone to another store, changes roles and deactivates
// someone; a manager cannot add a manager; the settings of a store (offline card limits, tax
// rates, printers) are saved as entered and refused beside the field at fault. Outcomes are
// read back through the API, PINs checked against the store's roster.

const OWNER = { email: 'owner@staff.example', password: 'owner password 1' };
const MANAGER = { email: 'mia@staff.example', password: 'manager password 1' };
const STORE = 'quay-side-diner';
const OTHER = 'harbour-street';
const ANA = 'ana@staff.example';
const BEN = 'ben@staff.example';
const COLE = 'cole@staff.example';

let cloud: Cloud;
let browser: Browser;
let owner: string;

const gateway = (path: string) => `${cloud.urls.gateway}${path}`;

beforeAll(async () => {
  ({ cloud, token: owner } = await startCloudAsOwner(OWNER, 'portal-staff-test'));
  for (const [storeId, name] of [
    [STORE, 'Quay Side Diner'],
    [OTHER, 'Harbour Street'],
  ]) {
    const created = await callJson('POST', gateway('/api/v1/sync/stores'), owner, {
      storeId,
      name,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  // The store runs a menu with two tax categories: food at 8.25 % and drinks at 10 %.
  const draft = await callJson('PUT', gateway('/api/v1/menu/draft'), owner, {
    ...ONE_BURGER_DRAFT,
    taxCategories: [
      ...ONE_BURGER_DRAFT.taxCategories,
      { id: 'drinks', name: 'Drinks', rateBasisPoints: 1000, inclusive: false },
    ],
  });
  expect(draft.status, JSON.stringify(draft.body)).toBe(200);
  const published = await callJson('POST', gateway('/api/v1/menu/publish'), owner, {
    storeIds: [STORE],
  });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  const manager = await callJson('POST', gateway('/api/v1/auth/users'), owner, {
    email: MANAGER.email,
    displayName: 'Mia Manager',
    roles: ['manager'],
    storeIds: [STORE],
    password: MANAGER.password,
  });
  expect(manager.status, JSON.stringify(manager.body)).toBe(201);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
});

/** A fresh page signed in (as the owner unless told) on the portal page `hash`. */
async function signIn(hash: string, who = OWNER): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(gateway(`/portal/${hash}`));
  await page.fill('input[name="email"]', who.email);
  await page.fill('input[name="password"]', who.password);
  await page.click('button[type="submit"]');
  await page.waitForSelector(`[data-page="${hash.slice(1)}"] section`);
  return page;
}

const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim();
/** A cell of the staff row of `email`. */
const cell = (email: string, col: string) => `tr[data-email="${email}"] [data-col="${col}"]`;
/**
 * The error shown beside the input or fieldset `data-field` names (after its label when the
 * label is `data-error-after`), within `scope`.
 */
const errorBeside = (field: string, scope = '') => {
  const marked = `[data-field="${field}"][aria-invalid="true"]`;
  return `${scope} :is(label:has(${marked}), ${marked}) + .field-error`;
};

interface Person {
  userId: string;
  email: string;
  displayName: string;
  roles: string[];
  storeIds: string[];
  active: boolean;
  hasPin: boolean;
}

async function staffList(storeId?: string): Promise<Person[]> {
  const query = storeId ? `?storeId=${storeId}` : '';
  const { status, body } = await callJson('GET', gateway(`/api/v1/auth/users${query}`), owner);
  expect(status).toBe(200);
  return body.staff;
}

async function person(email: string): Promise<Person | undefined> {
  return (await staffList()).find((p) => p.email === email);
}

/** The PIN hash the store's hub receives for `email`, if that person is on its roster. */
async function rosterHash(storeId: string, email: string): Promise<string | undefined> {
  const userId = (await person(email))?.userId;
  const { body } = await callJson('GET', gateway(`/api/v1/auth/stores/${storeId}/roster`), owner);
  return body.staff.find((m: { userId: string }) => m.userId === userId)?.pinHash;
}

/** Fill in and send the add form of the staff page. */
async function addStaff(
  page: Page,
  who: { name: string; email: string; roles?: string[]; stores?: string[]; pin?: string },
) {
  await page.fill('input[name="displayName"]', who.name);
  await page.fill('input[name="email"]', who.email);
  for (const role of ['cashier', 'cook', 'manager', 'owner'])
    await page.setChecked(
      `[data-choice="roles:${role}"]`,
      (who.roles ?? ['cashier']).includes(role),
    );
  if (who.stores)
    for (const store of [STORE, OTHER])
      await page.setChecked(
        `form.add [data-choice="storeIds:${store}"]`,
        who.stores.includes(store),
      );
  await page.fill('input[name="pin"]', who.pin ?? '');
  await page.click('text=Add staff member');
}

describe('manager portal: staff', () => {
  it('adds a cashier with a PIN and lists them; the same PIN at the same store is refused beside the PIN', async () => {
    const page = await signIn('#staff');
    await page.selectOption('select[name="staff-store"]', STORE);
    await page.waitForSelector(`tr[data-email="${MANAGER.email}"]`);
    // The store chosen above is the one ticked for someone new.
    expect(await page.isChecked(`form.add [data-choice="storeIds:${STORE}"]`)).toBe(true);

    await addStaff(page, { name: 'Ana Cashier', email: ANA, pin: '4821' });
    await page.waitForSelector(`tr[data-email="${ANA}"]`);
    expect(await text(page, cell(ANA, 'name'))).toBe(`Ana Cashier${ANA}`);
    expect(await text(page, cell(ANA, 'roles'))).toBe('Cashier');
    expect(await text(page, cell(ANA, 'stores'))).toBe('Quay Side Diner');
    expect(await text(page, cell(ANA, 'pin'))).toBe('Yes');
    expect(await text(page, cell(ANA, 'status'))).toBe('Active');
    expect(await text(page, '[aria-labelledby="new-staff-heading"] .message')).toContain(
      'Ana Cashier added as Cashier at Quay Side Diner, with a PIN for the tills.',
    );
    expect(await page.inputValue('input[name="displayName"]')).toBe('');
    const ana = await person(ANA);
    expect(ana).toMatchObject({
      roles: ['cashier'],
      storeIds: [STORE],
      active: true,
      hasPin: true,
    });
    expect(await verifyPin('4821', (await rosterHash(STORE, ANA)) ?? '')).toBe(true);

    // Ben with Ana's PIN at the same store: refused beside the PIN, and not added.
    await addStaff(page, { name: 'Ben Cashier', email: BEN, pin: '4821' });
    expect(await text(page, errorBeside('pin', 'form.add'))).toBe(
      `already used by someone at ${STORE}; choose another`,
    );
    expect(await page.$(`tr[data-email="${BEN}"]`)).toBeNull();
    expect(await person(BEN)).toBeUndefined();
    // Everything typed stays, to put right; another PIN goes through and the error goes.
    expect(await page.inputValue('input[name="displayName"]')).toBe('Ben Cashier');
    await page.fill('input[name="pin"]', '5930');
    await page.click('text=Add staff member');
    await page.waitForSelector(`tr[data-email="${BEN}"]`);
    expect(await page.$('form.add .field-error')).toBeNull();
    expect(await page.getAttribute('input[name="pin"]', 'aria-invalid')).toBeNull();
    expect(await person(BEN)).toMatchObject({ storeIds: [STORE], hasPin: true });
    await page.context().close();
  });

  it("sets a new PIN only when typed twice alike and not someone else's", async () => {
    const page = await signIn('#staff');
    const editor = '[data-form="pin"]';
    await page.click(`tr[data-email="${BEN}"] [data-action="pin"]`);
    expect(
      await page.getAttribute(`tr[data-email="${BEN}"] [data-action="pin"]`, 'aria-expanded'),
    ).toBe('true');
    expect(await page.$eval(':focus', (e) => e.getAttribute('name'))).toBe('new-pin');

    await page.fill(`${editor} input[name="new-pin"]`, '1111');
    await page.fill(`${editor} input[name="confirm-pin"]`, '2222');
    await page.click(`${editor} button:text("Save PIN")`);
    expect(await text(page, errorBeside('pinConfirm', editor))).toBe('not the same PIN');

    // Ana's PIN, at the store they share.
    await page.fill(`${editor} input[name="new-pin"]`, '4821');
    await page.fill(`${editor} input[name="confirm-pin"]`, '4821');
    await page.click(`${editor} button:text("Save PIN")`);
    expect(await text(page, errorBeside('pin', editor))).toBe(
      `already used by someone at ${STORE}; choose another`,
    );
    expect(await page.$(errorBeside('pinConfirm', editor))).toBeNull();
    expect(await verifyPin('5930', (await rosterHash(STORE, BEN)) ?? '')).toBe(true);

    await page.fill(`${editor} input[name="new-pin"]`, '7777');
    await page.fill(`${editor} input[name="confirm-pin"]`, '7777');
    await page.click(`${editor} button:text("Save PIN")`);
    await page.waitForSelector(
      '[data-page="staff"] .message :text("New PIN set for Ben Cashier.")',
    );
    expect(await page.$(editor)).toBeNull();
    const hash = (await rosterHash(STORE, BEN)) ?? '';
    expect(await verifyPin('7777', hash)).toBe(true);
    expect(await verifyPin('5930', hash)).toBe(false);
    // The focus is back on the row's button.
    expect(await page.$eval(':focus', (e) => e.getAttribute('data-action'))).toBe('pin');
    await page.context().close();
  });

  it('deactivates someone only when confirmed; the row and the API agree', async () => {
    const page = await signIn('#staff');
    const toggle = `tr[data-email="${ANA}"] .active-toggle`;
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.click(toggle);
    expect(asked[0]).toContain('Deactivate Ana Cashier?');
    expect(await text(page, cell(ANA, 'status'))).toBe('Active');
    expect((await person(ANA))?.active).toBe(true);

    page.once('dialog', (d) => void d.accept());
    await page.click(toggle);
    await page.waitForSelector(`${cell(ANA, 'status')} .badge.inactive`);
    expect(await text(page, cell(ANA, 'status'))).toBe('Inactive');
    expect(await text(page, toggle)).toBe('Reactivate');
    expect(await page.getAttribute(`tr[data-email="${ANA}"]`, 'class')).toBe('inactive');
    expect((await person(ANA))?.active).toBe(false);
    // Off the store's roster: the hub signs them out and no longer lets them in.
    expect(await rosterHash(STORE, ANA)).toBeUndefined();

    page.once('dialog', (d) => void d.accept());
    await page.click(toggle);
    await page.waitForSelector(`${cell(ANA, 'status')} .badge.active`);
    expect(await text(page, cell(ANA, 'status'))).toBe('Active');
    expect((await person(ANA))?.active).toBe(true);
    await page.context().close();
  });

  it('moves someone to another store and changes their roles (owners)', async () => {
    const page = await signIn('#staff');
    await addStaff(page, { name: 'Cole Cook', email: COLE, roles: ['cook'], stores: [STORE] });
    await page.waitForSelector(`tr[data-email="${COLE}"]`);
    expect(await text(page, cell(COLE, 'pin'))).toBe('No');
    expect(await text(page, `tr[data-email="${COLE}"] [data-action="pin"]`)).toBe('Set PIN');

    await page.click(`tr[data-email="${COLE}"] [data-action="stores"]`);
    await page.uncheck(`[data-form="stores"] [data-choice="storeIds:${STORE}"]`);
    await page.check(`[data-form="stores"] [data-choice="storeIds:${OTHER}"]`);
    await page.click('[data-form="stores"] button:text("Save stores")');
    await page.waitForSelector(`${cell(COLE, 'stores')}:text-is("Harbour Street")`);
    expect((await person(COLE))?.storeIds).toEqual([OTHER]);

    await page.click(`tr[data-email="${COLE}"] [data-action="roles"]`);
    await page.check('[data-form="roles"] [data-choice="roles:cashier"]');
    await page.click('[data-form="roles"] button:text("Save roles")');
    await page.waitForSelector(`${cell(COLE, 'roles')}:text-is("Cashier, Cook")`);
    expect((await person(COLE))?.roles).toEqual(['cashier', 'cook']);

    // The list of one store shows only its staff.
    await page.selectOption('select[name="staff-store"]', OTHER);
    await page.waitForSelector(`tr[data-email="${ANA}"]`, { state: 'detached' });
    expect(
      await page.$$eval('[data-testid="staff"] tr[data-email]', (rows) =>
        rows.map((r) => r.getAttribute('data-email')),
      ),
    ).toEqual([COLE]);
    await page.context().close();
  });

  it('does not let a manager add a manager, beside the roles, and lets them add a cook', async () => {
    const page = await signIn('#staff', MANAGER);
    await page.waitForSelector(`tr[data-email="${ANA}"]`);
    // Roles are the owners' to change; a manager's own row and the owner's are not theirs.
    expect(await page.$('[data-action="roles"]')).toBeNull();
    expect(await page.isDisabled(`tr[data-email="${OWNER.email}"] [data-action="pin"]`)).toBe(true);
    expect(await page.isEnabled(`tr[data-email="${ANA}"] [data-action="pin"]`)).toBe(true);

    await addStaff(page, {
      name: 'Max Manager',
      email: 'max@staff.example',
      roles: ['manager'],
      stores: [STORE],
    });
    expect(await text(page, errorBeside('roles', 'form.add'))).toBe(
      'Managers may add cashiers and cooks; owners add anyone',
    );
    expect(await person('max@staff.example')).toBeUndefined();

    await addStaff(page, {
      name: 'Dee Cook',
      email: 'dee@staff.example',
      roles: ['cook'],
      stores: [STORE],
      pin: '6061',
    });
    await page.waitForSelector('tr[data-email="dee@staff.example"]');
    expect(await person('dee@staff.example')).toMatchObject({ roles: ['cook'], hasPin: true });
    await page.context().close();
  });
});

describe('manager portal: store settings', () => {
  const settings = `[data-settings-for="${STORE}"]`;
  const configOf = async (storeId: string) =>
    callJson('GET', gateway(`/api/v1/sync/stores/${storeId}/config`), owner);

  async function openSettings(): Promise<Page> {
    const page = await signIn('#stores');
    await page.click(`[data-settings="${STORE}"]`);
    await page.waitForSelector(settings);
    expect(await page.getAttribute(`[data-settings="${STORE}"]`, 'aria-expanded')).toBe('true');
    return page;
  }

  it('saves offline card limits, tax rates and a printer exactly as entered', async () => {
    expect((await configOf(STORE)).body).toEqual({ storeId: STORE, config: {} });
    const page = await openSettings();
    // The menu's rates are shown, and stand where nothing is typed.
    expect(await text(page, `${settings} [data-tax-category="food"] td:nth-child(2)`)).toBe(
      '8.25 %',
    );
    expect(await page.getAttribute(`${settings} input[name="tax-drinks"]`, 'placeholder')).toBe(
      '10.00',
    );

    await page.fill('input[name="perTransactionCap"]', '150');
    await page.fill('input[name="totalCap"]', '1000.50');
    await page.fill('input[name="tax-food"]', '9.5');

    await page.click('text=Set up printers here');
    await page.click('text=Add printer');
    await page.fill('input[name="printer-0-name"]', 'Front counter');
    // The ID follows the name of a new printer.
    expect(await page.inputValue('input[name="printer-0-id"]')).toBe('front-counter');
    await page.fill('input[name="printer-0-host"]', '192.168.1.50');
    await page.fill('input[name="printer-0-port"]', '9101');
    await page.selectOption('select[name="printer-0-width"]', '48');
    await page.check('input[name="printer-0-drawer"]');
    await page.selectOption('select[name="receipt-printer"]', 'front-counter');
    await page.selectOption('select[name="new-route"]', 'grill');
    await page.click('text=Add station');
    expect(await page.inputValue('select[name="route-grill-printer"]')).toBe('front-counter');
    expect(await page.inputValue('input[name="header-name"]')).toBe('Quay Side Diner');
    await page.fill('textarea[name="header-addressLines"]', '1 Quay Side\nPortside');
    await page.fill('textarea[name="header-footer"]', 'Thank you!');
    await page.click('[data-testid="save-settings"]');
    await page.waitForSelector(`${settings} .message :text("Settings saved for Quay Side Diner.")`);
    expect(await text(page, `${settings} .message`)).toContain(
      'a hub that is offline applies them when it reconnects',
    );

    const { status, body } = await configOf(STORE);
    expect(status).toBe(200);
    expect(body).toEqual({
      storeId: STORE,
      config: {
        offlineCard: { perTransactionCapCents: 15_000, totalCapCents: 100_050 },
        taxRates: [{ taxCategoryId: 'food', rateBasisPoints: 950 }],
        printing: {
          printers: [
            {
              id: 'front-counter',
              name: 'Front counter',
              connection: { type: 'tcp', host: '192.168.1.50', port: 9101 },
              commandSet: 'epson',
              width: 48,
              codePage: 'PC858',
              drawer: true,
              failoverAfterSeconds: 60,
            },
          ],
          receiptPrinterId: 'front-counter',
          stations: [{ stationId: 'grill', printerId: 'front-counter', kds: true }],
          store: {
            name: 'Quay Side Diner',
            addressLines: ['1 Quay Side', 'Portside'],
            footer: ['Thank you!'],
          },
        },
      },
    });
    await page.context().close();

    // Opened again, the editor shows what the cloud holds.
    const again = await openSettings();
    expect(await again.inputValue('input[name="perTransactionCap"]')).toBe('150.00');
    expect(await again.inputValue('input[name="totalCap"]')).toBe('1000.50');
    expect(await again.inputValue('input[name="tax-food"]')).toBe('9.50');
    expect(await again.inputValue('input[name="tax-drinks"]')).toBe('');
    expect(await again.inputValue('input[name="printer-0-host"]')).toBe('192.168.1.50');
    expect(await again.isChecked('input[name="printer-0-drawer"]')).toBe(true);
    await again.context().close();
  });

  it('sets opening hours a day at a time, with a day that runs past midnight', async () => {
    const page = await openSettings();
    await page.fill('input[name="timeZone"]', 'Europe/Lisbon');
    await page.fill('input[name="opens-1"]', '11:00');
    await page.fill('input[name="closes-1"]', '22:00');
    await page.fill('input[name="opens-5"]', '18:00');
    await page.fill('input[name="closes-5"]', '02:00');
    // Half a day: said beside the field, nothing saved.
    await page.fill('input[name="opens-7"]', '12:00');
    const before = (await configOf(STORE)).body;
    await page.click('[data-testid="save-settings"]');
    expect(await text(page, errorBeside('hours.open.2.to', settings))).toBe(
      'when does it close on Sunday?',
    );
    expect((await configOf(STORE)).body).toEqual(before);
    await page.fill('input[name="opens-7"]', '');
    await page.click('[data-testid="save-settings"]');
    await page.waitForSelector(`${settings} .message :text("Settings saved")`);
    expect((await configOf(STORE)).body.config.hours).toEqual({
      timeZone: 'Europe/Lisbon',
      open: [
        { days: [1], from: '11:00', to: '22:00' },
        { days: [5], from: '18:00', to: '02:00' },
      ],
    });
    await page.context().close();
    const again = await openSettings();
    expect(await again.inputValue('input[name="closes-5"]')).toBe('02:00');
    expect(await again.inputValue('input[name="opens-2"]')).toBe('');
    await again.context().close();
  });

  it('shows a bad value beside its field and saves nothing', async () => {
    const before = (await configOf(STORE)).body;
    const page = await openSettings();

    // Checked before sending: a rate over 100 %, a printer with no host.
    await page.fill('input[name="tax-food"]', '150');
    await page.fill('input[name="printer-0-host"]', '');
    await page.click('[data-testid="save-settings"]');
    expect(await text(page, errorBeside('taxRates.0.rateBasisPoints', settings))).toBe(
      'between 0 and 100 %',
    );
    expect(await text(page, errorBeside('printing.printers.0.connection.host', settings))).toBe(
      'its network address, like 192.168.1.50',
    );
    expect((await configOf(STORE)).body).toEqual(before);

    // Refused by the cloud: a per-payment limit above the total, a second printer given the
    // first one's ID.
    await page.fill('input[name="tax-food"]', '9.5');
    await page.fill('input[name="printer-0-host"]', 'printer.local');
    await page.fill('input[name="perTransactionCap"]', '500');
    await page.fill('input[name="totalCap"]', '100');
    await page.click('text=Add printer');
    await page.fill('input[name="printer-1-name"]', 'Kitchen');
    await page.fill('input[name="printer-1-id"]', 'front-counter');
    await page.fill('input[name="printer-1-host"]', '192.168.1.51');
    await page.click('[data-testid="save-settings"]');
    expect(await text(page, errorBeside('offlineCard.perTransactionCapCents', settings))).toBe(
      'must not exceed the total cap',
    );
    expect(await text(page, errorBeside('printing.printers.1.id', settings))).toBe(
      'duplicate printer front-counter',
    );
    expect(await page.getAttribute('input[name="perTransactionCap"]', 'aria-invalid')).toBe('true');
    expect(await page.$(errorBeside('taxRates.0.rateBasisPoints', settings))).toBeNull();
    expect(await page.$(errorBeside('printing.printers.0.connection.host', settings))).toBeNull();
    expect(await page.$(errorBeside('offlineCard.totalCapCents', settings))).toBeNull();
    expect((await configOf(STORE)).body).toEqual(before);

    // Put right, it saves.
    await page.fill('input[name="totalCap"]', '2000');
    await page.click('[aria-label="Remove printer 2"]');
    await page.click('[data-testid="save-settings"]');
    await page.waitForSelector(`${settings} .message :text("Settings saved")`);
    expect(await page.$(`${settings} .field-error`)).toBeNull();
    const { body } = await configOf(STORE);
    expect(body.config.offlineCard).toEqual({
      perTransactionCapCents: 50_000,
      totalCapCents: 200_000,
    });
    expect(body.config.printing.printers).toHaveLength(1);
    expect(body.config.printing.printers[0].connection.host).toBe('printer.local');
    await page.context().close();
  });
});
