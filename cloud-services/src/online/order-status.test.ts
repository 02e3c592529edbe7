import { describe, expect, it } from 'vitest';
import { routeFor } from '../gateway/routes.js';
import { nextStatus } from './order-status.js';

describe('the online order status machine', () => {
  it('moves a paid order forward through the store, never back', () => {
    expect(nextStatus('paid', 'received')).toBe('received');
    expect(nextStatus('paid', 'ready')).toBe('ready');
    expect(nextStatus('ready', 'confirmed')).toBeUndefined();
    expect(nextStatus('ready', 'ready')).toBeUndefined();
    expect(nextStatus('preparing', 'picked-up')).toBe('picked-up');
  });

  it('takes no store event before the order is paid', () => {
    expect(nextStatus('awaiting-payment', 'received')).toBeUndefined();
    expect(nextStatus('awaiting-authentication', 'rejected')).toBeUndefined();
    expect(nextStatus('awaiting-payment', 'cancelled')).toBeUndefined();
  });

  it('rejects only before the store took the order; cancels until it is handed over', () => {
    expect(nextStatus('paid', 'rejected')).toBe('rejected');
    expect(nextStatus('received', 'rejected')).toBeUndefined();
    expect(nextStatus('ready', 'cancelled')).toBe('cancelled');
    expect(nextStatus('picked-up', 'cancelled')).toBeUndefined();
  });

  it('keeps rejected and cancelled final', () => {
    expect(nextStatus('rejected', 'received')).toBeUndefined();
    expect(nextStatus('rejected', 'cancelled')).toBeUndefined();
    expect(nextStatus('cancelled', 'ready')).toBeUndefined();
  });
});

describe('the gateway route to online orders', () => {
  it('sends orders to this service and the store directory to sync, both public', () => {
    expect(routeFor('/api/v1/online/orders')).toMatchObject({
      upstream: 'online',
      read: 'public',
      write: 'public',
    });
    expect(
      routeFor('/api/v1/online/orders/0193f0c2-0000-7000-8000-000000000000/events'),
    ).toMatchObject({ upstream: 'online' });
    expect(routeFor('/api/v1/online/stores/quay-street/menu')).toMatchObject({ upstream: 'sync' });
  });
});
