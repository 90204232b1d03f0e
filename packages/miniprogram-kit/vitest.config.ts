import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'miniprogram-kit',
    include: ['test/**/*.test.ts'],
    // miniprogram-simulate renders into a DOM (checked with jsdom under vitest 4.1).
    environment: 'jsdom',
    globalSetup: ['test/build-once.ts'],
    testTimeout: 20_000,
  },
});
