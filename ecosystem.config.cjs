// pm2 process file: `pm2 start ecosystem.config.cjs` from the repository root (see docs/operations.md).
// Configuration comes from the environment or ./.env, as for `pnpm start`.
module.exports = {
  apps: [
    {
      name: 'backend-dev',
      cwd: __dirname,
      // pm2 runs `node` as a plain binary (interpreter none) with tsx as an import: given a .ts script itself, pm2's
      // process container tries ts-node on every start and logs "Failed to load Typescript interpreter" (pm2 lib/ProcessContainer*.js).
      script: 'node',
      args: '--import tsx packages/crm-api/src/main.ts',
      interpreter: 'none',
      // SQLite has one writer: one process. With PostgreSQL, several instances (or cluster mode) are safe.
      exec_mode: 'fork',
      instances: 1,
      out_file: 'logs/backend-dev-out.log',
      error_file: 'logs/backend-dev-error.log',
      merge_logs: true,
      // pm2 stops with SIGINT; the service then finishes in-flight deliveries and releases the rest.
      kill_timeout: 15000,
      max_memory_restart: '1G',
      // A configuration error exits 78 (EX_CONFIG): pm2 does not restart it, and `pm2 ls` says stopped rather than
      // online while the log says what to fix. Any other failure is tried again, 1 s, 2 s, 4 s… apart (at most 15 s),
      // and a start that does not last 10 s counts as failed: after 10 such, pm2 gives up and says errored.
      stop_exit_codes: [78],
      exp_backoff_restart_delay: 1000,
      min_uptime: '10s',
      max_restarts: 10,
      // HOST: the API binds to loopback unless told otherwise; behind a proxy on this host, 127.0.0.1 is enough.
      env: { NODE_ENV: 'production', HOST: '0.0.0.0' },
    },
  ],
};
