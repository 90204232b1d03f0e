import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The page and compile tests run against the built files DevTools opens, so build them once first. */
export default function setup(): void {
  const script = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));
  execFileSync(process.execPath, [script], { stdio: 'pipe' });
}
