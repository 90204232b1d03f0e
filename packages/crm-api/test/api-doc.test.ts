import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_STATUSES } from '../src/domain/notifications.js';
import { repoRoot } from './helpers/child-process.js';

const apiDoc = readFileSync(join(repoRoot, 'docs/api.md'), 'utf8');

describe('docs/api.md', () => {
  it('lists every status GET /api/notifications/:id can answer, and no other', () => {
    const row = apiDoc.split('\n').find((line) => line.startsWith('| `GET /api/notifications/:id`'));
    const listed = /`status` \(([^)]*)\)/.exec(row ?? '')?.[1];

    expect([...(listed ?? '').matchAll(/`(\w+)`/g)].map((match) => match[1]).sort()).toEqual([...NOTIFICATION_STATUSES].sort());
  });
});
