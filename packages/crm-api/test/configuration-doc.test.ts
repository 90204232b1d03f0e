import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.js';
import { repoRoot } from './helpers/child-process.js';

const doc = readFileSync(join(repoRoot, 'docs/configuration.md'), 'utf8');
const functionConfigSource = readFileSync(join(repoRoot, 'packages/cloudfunctions/quickstartFunctions/src/config.ts'), 'utf8');
const startLocalSource = readFileSync(join(repoRoot, 'scripts/start-local.ts'), 'utf8');

interface Row {
  names: string[];
  defaults: string[];
}

/** The table rows of one section: `| \`A\` / \`B\` | \`1\` / \`2\` | … |` → names and defaults, in order. */
function rowsOf(section: string): Row[] {
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [names = '', defaults = ''] = line.split('|').slice(1, 3);
      return { names: [...names.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]!), defaults: [...defaults.matchAll(/`([^`]*)`/g)].map((match) => match[1]!) };
    });
}

const apiSection = doc.slice(0, doc.indexOf('## Cloud function'));
const functionSection = doc.slice(doc.indexOf('## Cloud function'), doc.indexOf('## Tools'));

describe('docs/configuration.md', () => {
  it("lists exactly the API's variables: its configuration, pnpm start's own, and no other", () => {
    const documented = rowsOf(apiSection).flatMap((row) => row.names);
    const startLocal = [...startLocalSource.matchAll(/^\s+([A-Z][A-Z0-9_]+): z\./gm)].map((match) => match[1]!);

    expect([...documented].sort()).toEqual([...new Set([...CONFIG_VARIABLES, ...startLocal])].sort());
  });

  it("gives each API variable the default the code has, where the default is a number, a word or a switch", () => {
    const defaults = loadConfig({});
    const differing = rowsOf(apiSection).flatMap(({ names, defaults: documented }) =>
      names.flatMap((name, index) => {
        const actual = (defaults as Record<string, unknown>)[name];
        const shown = documented[index];
        if (shown === undefined || !['number', 'boolean', 'string'].includes(typeof actual) || String(actual).includes('/')) return [];
        return String(actual) === shown ? [] : [`${name}: documented ${shown}, code ${String(actual)}`];
      }),
    );

    expect(differing).toEqual([]);
  });

  it("lists exactly the cloud function's variables, with the function's numeric defaults", () => {
    const read = [...new Set([...functionConfigSource.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]!))];
    const rows = rowsOf(functionSection);
    const numericDefaults = Object.fromEntries([...functionConfigSource.matchAll(/positiveInt\(env\.([A-Z0-9_]+), (\d+)/g)].map((match) => [match[1]!, match[2]!]));

    expect(rows.flatMap((row) => row.names).sort()).toEqual(read.sort());
    for (const [name, value] of Object.entries(numericDefaults)) expect(rows.find((row) => row.names.includes(name))?.defaults[0], name).toBe(value);
  });
});
