import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface ConsoleAsset {
  contents: Uint8Array;
  /** The same, gzipped once here: the service has no compression middleware. */
  gzipped: Uint8Array;
  contentType: string;
}

/** The console as crm-api serves it: one HTML page and its content-hashed assets, all in memory. */
export interface ConsoleBundle {
  /** The page; it names its assets relative to itself (`assets/main-<hash>.js`), so it is served at a path ending in `/`. */
  indexHtml: string;
  /** By file name (`main-<hash>.js`): the name changes with the contents, so they may be cached for good. */
  assets: ReadonlyMap<string, ConsoleAsset>;
  /** Bytes of each asset, as built and gzipped. */
  sizes: Array<{ file: string; bytes: number; gzipBytes: number }>;
  /** How long the build took. */
  buildMs: number;
}

const ENTRY = fileURLToPath(new URL('./page/main.tsx', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function page(script: string, stylesheet: string | undefined): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>线索通知 · 管理台</title>
${stylesheet ? `<link rel="stylesheet" href="assets/${stylesheet}">\n` : ''}<script type="module" src="assets/${script}"></script>
</head>
<body>
<div id="app"><noscript>管理台需要启用 JavaScript。</noscript></div>
</body>
</html>
`;
}

async function bundleConsole(): Promise<ConsoleBundle> {
  const started = performance.now();
  const result = await build({
    entryPoints: { main: ENTRY },
    bundle: true,
    write: false,
    outdir: '/console-assets',
    entryNames: '[name]-[hash]',
    format: 'esm',
    target: ['es2020', 'chrome100', 'safari15'],
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    // Chinese text as UTF-8, not \uXXXX escapes: half the bytes (the assets are served as UTF-8).
    charset: 'utf8',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const assets = new Map<string, ConsoleAsset>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const extension = name.slice(name.lastIndexOf('.'));
    const contentType = CONTENT_TYPES[extension];
    if (!contentType) throw new Error(`the console build wrote ${name}, a kind of file the console does not serve`);
    assets.set(name, { contents: file.contents, gzipped: gzipSync(file.contents, { level: 9 }), contentType });
  }
  const names = [...assets.keys()];
  const script = names.find((name) => name.endsWith('.js'));
  if (!script) throw new Error('the console build wrote no script');
  const sizes = [...assets].map(([file, asset]) => ({ file, bytes: asset.contents.byteLength, gzipBytes: asset.gzipped.byteLength }));
  return { indexHtml: page(script, names.find((name) => name.endsWith('.css'))), assets, sizes, buildMs: Math.round(performance.now() - started) };
}

let built: Promise<ConsoleBundle> | undefined;

/**
 * Bundles the console once per process, on first use (about a second), and hands every caller that one build; a
 * failed build is forgotten so the next request tries again. Needs no build step: the sources ship with the
 * repository and esbuild is a dependency, so `pnpm start`, the tests and pm2 all serve the same page.
 */
export function buildConsole(): Promise<ConsoleBundle> {
  built ??= bundleConsole().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}
