import type { RosterEntry } from './staff-service.js';

/** The demo restaurant's staff; their PINs are in the README. */
export function demoStaff(): RosterEntry[] {
  return [
    {
      id: '3f2b7c1e-0a4d-4c7b-9e51-1d2f3a4b5c60',
      name: 'Olivia Chen',
      roles: ['owner'],
      pin: '9000',
    },
    {
      id: '6a1d9e2f-3b4c-4d5e-8f60-7a8b9c0d1e21',
      name: 'Marcus Reed',
      roles: ['manager'],
      pin: '2468',
    },
    {
      id: '8c3e5a7b-9d1f-4a2b-8c4d-5e6f7a8b9c02',
      name: 'Sam Patel',
      roles: ['cashier'],
      pin: '1234',
    },
    {
      id: 'b4d6f8a0-2c4e-4f6a-8b0c-2d4e6f8a0b13',
      name: 'Jess Lopez',
      roles: ['cashier'],
      pin: '4321',
    },
    { id: 'd1e3f5a7-b9c1-4d3e-9f5a-7b9c1d3e5f24', name: 'Ken Ito', roles: ['cook'], pin: '5555' },
  ];
}
