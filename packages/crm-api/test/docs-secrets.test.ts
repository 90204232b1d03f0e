import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/child-process.js';

const documents = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

describe('documented commands', () => {
  it('never pass an API token on a pnpm command line (pnpm echoes the command it runs)', () => {
    const offending = documents.flatMap((document) =>
      readFileSync(join(repoRoot, document), 'utf8')
        .split('\n')
        .filter((line) => /pnpm@[\d.]+ (notify:smoke|cli)\b.*--token\s+\S/.test(line))
        .map((line) => `${document}: ${line.trim()}`),
    );

    expect(offending).toEqual([]);
  });
});
