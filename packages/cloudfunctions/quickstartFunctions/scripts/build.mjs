// Builds dist/: the folder WeChat DevTools uploads as the quickstartFunctions cloud function
// ("upload and deploy: install dependencies in the cloud"). Everything the function imports from the
// workspace (@leadnotify/contracts, zod) is bundled into index.js, so the deployed package.json depends on
// wx-server-sdk alone, which the cloud installs.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const source = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
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
console.log(`built ${dist}`);
