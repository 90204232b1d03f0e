// Builds the mini-program files WeChat DevTools opens as they are: every .ts entry under
// src/miniprogram bundled (with src/lib and src/wx) into one CommonJS .js beside its .wxml/.wxss/.json.
//   dist/demo  the demo app (open this folder in DevTools), with the cloud function under cloudfunctions/ to deploy
//   dist/kit   only the kit's pages and component, to copy into an existing mini program
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunction } from 'quickstartFunctions/build';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'miniprogram');
const demo = join(root, 'dist', 'demo');
const kit = join(root, 'dist', 'kit');

/** The drop-in part; the paths are fixed because subscribe messages open pages/customer/* by path. */
export const KIT_PATHS = ['pages/bind', 'pages/customer', 'pages/console-sign-in', 'components/subscribe-button', 'leadnotify'];

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
const files = walk(source);
const entries = files.filter((file) => file.endsWith('.ts'));
await build({
  entryPoints: Object.fromEntries(entries.map((file) => [relative(source, file).replace(/\.ts$/, ''), file])),
  outdir: demo,
  bundle: true,
  format: 'cjs',
  platform: 'neutral',
  // The base library runs ES2018 on current clients; DevTools' "enhanced compile" is not needed.
  target: 'es2018',
  charset: 'utf8',
  logLevel: 'warning',
});
for (const file of files.filter((file) => !file.endsWith('.ts'))) {
  const target = join(demo, relative(source, file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
}
for (const path of KIT_PATHS) cpSync(join(demo, path), join(kit, path), { recursive: true });
// project.config.json's cloudfunctionRoot: right-click it in DevTools → 上传并部署：云端安装依赖.
await buildFunction(join(demo, 'cloudfunctions', 'quickstartFunctions'));
// This package is "type": "module"; without this, Node (the tests) would load the CommonJS output as ESM.
// It sits above the mini-program roots, so DevTools never sees it.
writeFileSync(join(root, 'dist', 'package.json'), '{ "type": "commonjs" }\n');
console.log(`built ${relative(process.cwd(), demo)} and ${relative(process.cwd(), kit)}`);
