import { defineConfig } from 'vitest/config';

// Every package with its own vitest.config.ts is one project of `pnpm test`.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'packages/cloudfunctions/*/vitest.config.ts'],
  },
});
