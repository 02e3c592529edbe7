import { describe, expect, it } from 'vitest';
import { AvailabilityWindow, describeSchedule, localClock, scheduleOpen } from './menu.js';

// Menus served at set times: the windows, the store's local clock, and the text a cashier sees.

const at = (weekday: number, time: string) => ({
  weekday,
  minutes: Number(time.slice(0, 2)) * 60 + Number(time.slice(3)),
});

describe('availability windows', () => {
  it('opens a same-day window from its start up to, not including, its end', () => {
    const breakfast = [
      AvailabilityWindow.parse({ days: [1, 2, 3, 4, 5], from: '06:00', to: '11:00' }),
    ];
    expect(scheduleOpen(breakfast, at(1, '05:59'))).toBe(false);
    expect(scheduleOpen(breakfast, at(1, '06:00'))).toBe(true);
    expect(scheduleOpen(breakfast, at(5, '10:59'))).toBe(true);
    expect(scheduleOpen(breakfast, at(5, '11:00'))).toBe(false);
    expect(scheduleOpen(breakfast, at(6, '08:00'))).toBe(false);
  });

  it('runs a window past midnight into the next day', () => {
    const late = [AvailabilityWindow.parse({ days: [7], from: '22:00', to: '02:00' })];
    expect(scheduleOpen(late, at(7, '23:30'))).toBe(true);
    expect(scheduleOpen(late, at(1, '01:59'))).toBe(true);
    expect(scheduleOpen(late, at(1, '02:00'))).toBe(false);
    expect(scheduleOpen(late, at(7, '01:00'))).toBe(false);
  });

  it('is always open without windows, and defaults a window to every day', () => {
    expect(scheduleOpen(undefined, at(3, '03:00'))).toBe(true);
    expect(scheduleOpen([], at(3, '03:00'))).toBe(true);
    const lunch = AvailabilityWindow.parse({ from: '11:00', to: '15:00' });
    expect(lunch.days).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(describeSchedule([lunch])).toBe('11:00–15:00');
  });

  it('refuses windows that are not times or that are empty', () => {
    const bad = AvailabilityWindow.safeParse({ days: [0, 8], from: '25:00', to: '9:00' });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['days.0', 'days.1', 'from', 'to']));
    expect(
      AvailabilityWindow.safeParse({ from: '10:00', to: '10:00' }).error?.issues[0]?.path,
    ).toEqual(['to']);
  });

  it("reads the store's local weekday and time, across daylight saving", () => {
    // Sunday 8 March 2026, New York moves from EST to EDT at 02:00.
    expect(localClock(Date.parse('2026-03-08T06:59:00Z'), 'America/New_York')).toEqual(
      at(7, '01:59'),
    );
    expect(localClock(Date.parse('2026-03-08T07:00:00Z'), 'America/New_York')).toEqual(
      at(7, '03:00'),
    );
    expect(localClock(Date.parse('2026-03-09T04:30:00Z'), 'America/New_York')).toEqual(
      at(1, '00:30'),
    );
    expect(localClock(Date.parse('2026-03-09T04:30:00Z'), 'UTC')).toEqual(at(1, '04:30'));
  });
});
