import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'crm-api',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // The processes the tests start (pnpm start, the CLI, pm2) must not read a developer's filled .env.
    env: { LEADNOTIFY_ENV_FILE: 'none' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
