import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/child-process.js';

/**
 * The layering rules of docs/architecture.md, checked on the import graph: a forbidden import fails here
 * with the file that made it.
 */
const packagesDir = join(repoRoot, 'packages');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(path);
    return /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports (static, re-export and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1] as string);
}

/** A relative import as a path from the package's src/, without extension. */
function resolved(file: string, specifier: string): string {
  return resolve(dirname(file), specifier).replace(/\.js$/, '');
}

const crmSrc = join(packagesDir, 'crm-api', 'src');
const crmFiles = sourceFiles(crmSrc);
const layerOf = (path: string) => relative(crmSrc, path).split('/')[0] ?? '';
/** Where a file sits under src/, as a path without extension: `delivery/states/transition`. */
const placeOf = (path: string) => relative(crmSrc, path).replace(/\.ts$/, '');
const within = (path: string, folder: string) => placeOf(path) === folder || placeOf(path).startsWith(`${folder}/`);
/** The relative imports of `files`, resolved. */
const relativeImports = (file: string) => importsOf(file).filter((specifier) => specifier.startsWith('.')).map((specifier) => ({ specifier, target: resolved(file, specifier) }));

function violations(files: string[], rule: (file: string, specifier: string) => string | undefined): string[] {
  return files.flatMap((file) =>
    importsOf(file).flatMap((specifier) => {
      const problem = rule(file, specifier);
      return problem ? [`${relative(repoRoot, file)} imports ${specifier}: ${problem}`] : [];
    }),
  );
}

/**
 * The domain's (and the notifier's) words that db/schema.ts types columns with: the only modules above db/ that
 * db/ may import.
 */
const COLUMN_ENUMS = ['delivery/states/statuses', 'domain/roles', 'domain/customer-statuses'];

describe('architecture', () => {
  it('crm-api domain/ knows no HTTP, and of delivery/ only the outbox, the states and the operator\'s requeue', () => {
    const domainFiles = crmFiles.filter((file) => layerOf(file) === 'domain');
    expect(domainFiles.length).toBeGreaterThan(5);
    const found = violations(domainFiles, (file, specifier) => {
      if (specifier === 'express' || specifier.startsWith('express/')) return 'the domain does not speak HTTP';
      if (!specifier.startsWith('.')) return undefined;
      const target = resolved(file, specifier);
      if (layerOf(target) === 'http') return 'the domain may not depend on that layer';
      if (layerOf(target) === 'delivery' && !['delivery/outbox', 'delivery/states', 'delivery/requeue', 'delivery/catch-up'].some((folder) => within(target, folder))) {
        return 'the domain reaches delivery only through its outbox, its states, the operator\'s requeue and the catch-up a reported acceptance starts';
      }
      return undefined;
    });
    expect(found).toEqual([]);
  });

  it('crm-api http/ decides no authorization: every role and ownership check is a domain function\'s, taking the Actor', () => {
    const roleCheck = /\b(requireRole|canManageAssignments)\b|\.role\s*[!=]==|\.id\s*[!=]==\s*actor\.id|actor\.id\s*[!=]==/;
    const found = crmFiles
      .filter((file) => layerOf(file) === 'http')
      .flatMap((file) => readFileSync(file, 'utf8').split('\n').map((line, index) => ({ file, line, index })))
      .filter(({ line }) => roleCheck.test(line))
      .map(({ file, line, index }) => `${relative(repoRoot, file)}:${index + 1}: ${line.trim()}`);
    expect(found).toEqual([]);
  });

  it('crm-api db/ is data access only: of everything above it, it imports only the enums its columns hold', () => {
    const found = violations(crmFiles.filter((file) => layerOf(file) === 'db'), (file, specifier) => {
      if (!specifier.startsWith('.')) return undefined;
      const target = resolved(file, specifier);
      if (COLUMN_ENUMS.includes(placeOf(target))) return undefined;
      return ['domain', 'delivery', 'http', 'metrics'].includes(layerOf(target)) ? 'db/ is the bottom layer' : undefined;
    });
    expect(found).toEqual([]);
  });

  it('the enums db/ may import are leaves: they import nothing of crm-api, so db/ reaches nothing above it through them', () => {
    const enumFiles = crmFiles.filter((file) => COLUMN_ENUMS.includes(placeOf(file)));
    expect(enumFiles.map(placeOf).sort()).toEqual([...COLUMN_ENUMS].sort());
    const found = violations(enumFiles, (_file, specifier) => (specifier.startsWith('.') ? 'a column enum is a leaf' : undefined));
    expect(found).toEqual([]);
  });

  it('crm-api delivery/ reaches into neither http/ nor domain/ (but for its error type)', () => {
    const found = violations(crmFiles.filter((file) => layerOf(file) === 'delivery'), (file, specifier) => {
      if (!specifier.startsWith('.')) return undefined;
      const target = resolved(file, specifier);
      if (layerOf(target) === 'http') return 'delivery does not use the HTTP layer';
      return layerOf(target) === 'domain' && placeOf(target) !== 'domain/errors' ? 'delivery does not use the domain' : undefined;
    });
    expect(found).toEqual([]);
  });

  it('delivery/states is pure: the state machine imports nothing but the contracts (no database, no I/O)', () => {
    const stateFiles = crmFiles.filter((file) => within(file, 'delivery/states'));
    expect(stateFiles.length).toBeGreaterThanOrEqual(3);
    const found = violations(stateFiles, (file, specifier) => {
      if (specifier.startsWith('.')) return within(resolved(file, specifier), 'delivery/states') ? undefined : 'the state machine is a leaf';
      return specifier === '@leadnotify/contracts' ? undefined : 'the state machine does no I/O';
    });
    expect(found).toEqual([]);
  });

  it('delivery/outbox is SQL verbs only: it imports the database and the states, no channel, step or notifier', () => {
    const found = violations(crmFiles.filter((file) => within(file, 'delivery/outbox')), (file, specifier) => {
      if (!specifier.startsWith('.')) return undefined;
      const target = resolved(file, specifier);
      return layerOf(target) === 'db' || within(target, 'delivery/states') || within(target, 'delivery/outbox') ? undefined : 'the outbox only reads and writes';
    });
    expect(found).toEqual([]);
  });

  it('a channel is a folder behind the port: the notifier knows only the port, and other code reaches a channel only through its index', () => {
    const channelFolders = readdirSync(join(crmSrc, 'delivery', 'channels'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => `delivery/channels/${entry.name}`);
    expect(channelFolders).toContain('delivery/channels/wechat-subscribe');
    const found = crmFiles.flatMap((file) =>
      relativeImports(file).flatMap(({ specifier, target }) => {
        const folder = channelFolders.find((channel) => within(target, channel));
        if (!folder || within(file, folder)) return [];
        if (placeOf(file) === 'delivery/notifier') return [`${relative(repoRoot, file)} imports ${specifier}: the notifier speaks to the Channel port only`];
        return placeOf(target) === `${folder}/index` ? [] : [`${relative(repoRoot, file)} imports ${specifier}: use ${folder}/index.ts`];
      }),
    );
    expect(found).toEqual([]);
  });

  it('crm-api does not depend on the emulator or the cloud function at run time', () => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, 'crm-api', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).not.toContain('@leadnotify/wechat-emulator');
    expect(Object.keys(manifest.dependencies)).not.toContain('quickstartFunctions');
    const found = violations(crmFiles, (_file, specifier) =>
      specifier.startsWith('@leadnotify/wechat-emulator') || specifier.startsWith('quickstartFunctions') ? 'a development tool in production code' : undefined,
    );
    expect(found).toEqual([]);
  });

  it("no package reaches into another package's files: workspace code is imported through its public entry", () => {
    const everyPackageFile = sourceFiles(packagesDir);
    const found = violations(everyPackageFile, (file, specifier) => {
      if (!specifier.startsWith('.')) return /^@leadnotify\/[^/]+\/src\//.test(specifier) || /^(crm-api|quickstartFunctions)\/src\//.test(specifier) ? 'use the public entry' : undefined;
      const packageRoot = relative(packagesDir, file).split('/').slice(0, relative(packagesDir, file).startsWith('cloudfunctions/') ? 2 : 1).join('/');
      return relative(join(packagesDir, packageRoot), resolved(file, specifier)).startsWith('..') ? 'leaves its package' : undefined;
    });
    expect(found).toEqual([]);
  });

  it('the test support is for tests: no package depends on it at run time, and no source outside it imports it', () => {
    const packageRoots = readdirSync(packagesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => (entry.name === 'cloudfunctions' ? readdirSync(join(packagesDir, entry.name)).map((name) => join(entry.name, name)) : [entry.name]));
    expect(packageRoots).toContain('test-support');
    const runTimeUsers = packageRoots.filter((root) => {
      const manifest = JSON.parse(readFileSync(join(packagesDir, root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      return Object.keys(manifest.dependencies ?? {}).includes('@leadnotify/test-support');
    });
    expect(runTimeUsers).toEqual([]);
    const found = violations(
      packageRoots.filter((root) => root !== 'test-support').flatMap((root) => sourceFiles(join(packagesDir, root, 'src'))),
      (_file, specifier) => (specifier.startsWith('@leadnotify/test-support') ? 'a test helper in production code' : undefined),
    );
    expect(found).toEqual([]);
  });

  it('the deployed function imports only wx-server-sdk, the contracts and Node built-ins', () => {
    const functionSrc = join(packagesDir, 'cloudfunctions', 'quickstartFunctions', 'src');
    const found = violations(
      sourceFiles(functionSrc).filter((file) => !file.includes('/testing/')),
      (_file, specifier) =>
        specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier) || ['wx-server-sdk', '@leadnotify/contracts'].includes(specifier) ? undefined : 'not available in the cloud',
    );
    expect(found).toEqual([]);
  });

  it('crm-api has no import cycles', () => {
    const graph = new Map(
      crmFiles.map((file) => [
        file.replace(/\.ts$/, ''),
        importsOf(file)
          .filter((specifier) => specifier.startsWith('.'))
          .map((specifier) => resolved(file, specifier)),
      ]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].map((step) => relative(crmSrc, step)).join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
