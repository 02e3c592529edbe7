import { defineConfig } from 'vitest/config';

// Fault scenarios (`npm run test:faults`): each one breaks something real (a killed process, a
// full disk, a restarted broker or database, a silent printer) and checks that nothing
// acknowledged is lost, nothing is applied twice, and service resumes on its own. They run one
// file at a time, because some of them stop and start servers that the others would notice.
export default defineConfig({
  test: {
    include: ['e2e/src/faults/**/*.fault.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
});
