// Builds dist/ (or the folder given to buildFunction): what WeChat DevTools uploads as the quickstartFunctions cloud
// function ("upload and deploy: install dependencies in the cloud"). The mini-program kit's demo build puts a copy
// under its cloudfunctionRoot, so DevTools deploys it from the demo project. Everything the function imports from the
// workspace (@leadnotify/contracts, zod) is bundled into index.js, so the deployed package.json depends on
// wx-server-sdk alone, which the cloud installs.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Writes index.js, package.json and config.json into `dist` (emptied first). */
export async function buildFunction(dist = join(root, 'dist')) {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  await build({
    entryPoints: [join(root, 'src', 'index.ts')],
    outfile: join(dist, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // The oldest cloud-function runtime the docs ask for (docs/cloud-function.md): Node.js 16.
    target: 'node16',
    external: ['wx-server-sdk'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeFileSync(
    join(dist, 'package.json'),
    `${JSON.stringify(
      {
        name: 'quickstartFunctions',
        version: source.version,
        description: source.description,
        main: 'index.js',
        dependencies: { 'wx-server-sdk': source.dependencies['wx-server-sdk'] },
      },
      null,
      2,
    )}\n`,
  );
  copyFileSync(join(root, 'deploy', 'config.json'), join(dist, 'config.json'));
  return dist;
}

// Run as a script (pnpm --filter quickstartFunctions build): dist/ beside it.
if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`built ${await buildFunction()}`);
