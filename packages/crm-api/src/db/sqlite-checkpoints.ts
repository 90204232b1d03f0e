import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

export interface BackgroundCheckpointOptions {
  /**
   * How often the checkpoint thread looks at the WAL (default 100 ms); it copies committed frames into the database
   * file when 1,000 or more wait, and any that wait after `quietIntervalMs`.
   */
  intervalMs?: number;
  /** The longest a trickle of frames (fewer than 1,000) waits to be copied (default 1 s). */
  quietIntervalMs?: number;
  /** WAL length, in frames (pages), at which the WAL is started over from its beginning (default 8,000: 32 MiB of 4 KiB pages). */
  restartFrames?: number;
  /** The checkpoint thread stopped working: SQLite's own checkpoints are back on, the process goes on. */
  onFailure(error: Error): void;
  /** Starts the thread that runs `script` (tests pass one that fails). */
  spawnThread?: (script: string, workerData: Record<string, unknown>) => Worker;
}

export interface BackgroundCheckpoints {
  stop(): Promise<void>;
}

/** SQLite's default: checkpoint in the committing connection once the WAL holds 1,000 frames. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

type WorkerMessage =
  | { type: 'restart-due'; log: number }
  | { type: 'restarted'; busy: number; log: number; checkpointed: number }
  | { type: 'failed'; message: string };

/**
 * Runs in its own thread with its own connection (better-sqlite3 is synchronous: whatever it does blocks the thread it
 * runs on). CommonJS, evaluated from this string, so it runs the same under tsx and compiled.
 *
 * A write starts the WAL over by itself only if, when it began, every frame had been copied, and that write syncs the
 * new WAL header to disk in the committing connection: on the API's thread. Copying after every tick would let a
 * trickle of writes start the WAL over ten times a second, each with that sync (a fraction of a millisecond, but
 * as long as the disk's slowest moment when it stalls: 200 ms were seen here). So the thread copies at once only
 * when a checkpoint's worth (SQLite's own 1,000 frames) is waiting, and a trickle once per quietIntervalMs. It learns
 * what waits from a NOOP checkpoint (SQLite 3.51+, bundled by better-sqlite3 12; an older SQLite would take NOOP for
 * PASSIVE, so there the thread copies every tick).
 *
 * Under steady writes every frame is rarely copied, so at restartFrames the thread asks for a turn with the API's
 * connection idle. It asks once per WAL: after a restart with no write since, the WAL is still as long, and the next
 * write starts it over. RESTART waits for readers of other connections (a backup, a report) only `restartWaitMs`,
 * and after a blocked attempt the next waits twice as long, up to 5 s: a long reader must not keep the API's
 * connection in turn after turn.
 */
const CHECKPOINT_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.file);
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = ' + workerData.restartWaitMs);
const checkpoint = (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0];
const [major, minor] = db.prepare('select sqlite_version() as version').get().version.split('.').map(Number);
const canPeek = major > 3 || (major === 3 && minor >= 51);
const fail = (error) => parentPort.postMessage({ type: 'failed', message: String((error && error.message) || error) });
let asked = false;
let blockedFor = 0;
let nextAskAt = 0;
let restartedAtLog = -1;
let copiedAt = performance.now();
const timer = setInterval(() => {
  try {
    if (canPeek) {
      const waiting = checkpoint('NOOP');
      const backlog = waiting.log - waiting.checkpointed;
      const quiet = backlog === 0 || performance.now() - copiedAt < workerData.quietIntervalMs;
      if (backlog < workerData.busyFrames && quiet) return;
    }
    copiedAt = performance.now();
    const result = checkpoint('PASSIVE');
    if (!asked && performance.now() >= nextAskAt && result.log >= workerData.restartFrames && result.log !== restartedAtLog) {
      asked = true;
      parentPort.postMessage({ type: 'restart-due', log: result.log });
    }
  } catch (error) {
    fail(error);
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'restart') {
    try {
      const result = checkpoint('RESTART');
      blockedFor = result.busy ? Math.min(Math.max(2 * blockedFor, workerData.intervalMs), 5000) : 0;
      nextAskAt = performance.now() + blockedFor;
      if (!result.busy) restartedAtLog = result.log;
      parentPort.postMessage({ type: 'restarted', ...result });
    } catch (error) {
      fail(error);
    }
    asked = false;
  } else if (message === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

/**
 * Checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL frames:
 * that commit copies every frame into the database file and fsyncs it, ~5 ms here during which the API's one thread
 * serves nobody — on the assignment path about two thirds of what commits cost. Here the committing connection never
 * checkpoints: a thread with its own connection copies committed frames (PASSIVE: it waits for no one and no one
 * waits for it) within `intervalMs` once 1,000 wait, a trickle within `quietIntervalMs`. SQLite starts the WAL over
 * only once every frame is copied, which rarely happens while writes keep coming, so when the WAL reaches
 * `restartFrames` the API's connection gives the thread one turn (`whileIdle`: requests wait for it asynchronously,
 * the event loop keeps running) to copy the last frames, after which the next write starts the WAL from its
 * beginning. That write still syncs the new WAL header (SQLite's own safety; the quiet interval keeps it rare).
 * Durability is unchanged: synchronous=NORMAL still syncs the WAL before and the database file after each
 * checkpoint, only on another thread.
 *
 * If the thread fails, the connection goes back to SQLite's own checkpoints for the rest of the process's life and
 * `onFailure` is told.
 */
export function startBackgroundCheckpoints(
  file: string,
  connection: SqliteDatabase.Database,
  whileIdle: (work: () => Promise<void>) => Promise<void>,
  options: BackgroundCheckpointOptions,
): BackgroundCheckpoints {
  const spawnThread = options.spawnThread ?? ((script, workerData) => new Worker(script, { eval: true, workerData }));
  const restartFrames = options.restartFrames ?? 8000;
  const worker = spawnThread(CHECKPOINT_THREAD, {
    file,
    driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
    intervalMs: options.intervalMs ?? 100,
    quietIntervalMs: options.quietIntervalMs ?? 1000,
    // A WAL due to start over is never left waiting for the quiet interval.
    busyFrames: Math.min(SQLITE_DEFAULT_AUTOCHECKPOINT, restartFrames),
    restartFrames,
    restartWaitMs: 20,
  });
  // Never what keeps a process alive while it runs (stop() holds it for its own exit).
  worker.unref();
  connection.pragma('wal_autocheckpoint = 0');

  let failed = false;
  let stopped: Promise<void> | undefined;
  let terminated: Promise<unknown> = Promise.resolve();
  let restarted: ((message: WorkerMessage) => void) | undefined;

  const fail = (error: Error) => {
    restarted?.({ type: 'failed', message: error.message });
    if (failed || stopped) return;
    failed = true;
    terminated = worker.terminate();
    try {
      connection.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
      options.onFailure(error);
    } catch {
      // The connection was closed under us: nothing is left to checkpoint for.
    }
  };

  const restart = () =>
    whileIdle(async () => {
      if (failed || stopped) return;
      await new Promise<WorkerMessage>((resolve) => {
        restarted = resolve;
        worker.postMessage('restart');
      });
      restarted = undefined;
    });

  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'restarted') restarted?.(message);
    else if (message.type === 'failed') fail(new Error(`background checkpoint failed: ${message.message}`));
    else if (message.type === 'restart-due') void restart();
  });
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => {
    // A restart still waiting for its answer gets none now: release the connection's turn either way.
    restarted?.({ type: 'failed', message: `the checkpoint thread exited (code ${code})` });
    if (!stopped) fail(new Error(`the checkpoint thread exited (code ${code})`));
  });

  return {
    stop() {
      stopped ??= (async () => {
        if (failed) {
          await terminated;
          return;
        }
        // Until it has closed its connection, the thread is what this process waits for.
        worker.ref();
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage('stop');
        await exited;
      })();
      return stopped;
    },
  };
}
