import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * bench/results.json holds the benchmarks', the soak's and the reachability month's figures side by side: each run
 * replaces its own entries and keeps the others'.
 */
export function writeResultsEntries(file: string, entries: Record<string, unknown>): void {
  let previous: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      console.warn(`${file} is not JSON; it is replaced`);
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...previous, ...entries }, null, 2)}\n`);
}
