import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'wechat-emulator',
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
