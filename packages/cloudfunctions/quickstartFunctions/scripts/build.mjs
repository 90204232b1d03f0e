// Builds dist/: the folder WeChat DevTools uploads as the quickstartFunctions cloud function
// ("upload and deploy: install dependencies in the cloud").
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const source = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
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
