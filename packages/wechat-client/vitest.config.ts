import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'wechat-client',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
  },
});
