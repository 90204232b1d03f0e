import { describe, expect, it } from 'vitest';
import { buildConsole } from '../src/index.js';

describe('buildConsole', () => {
  it('bundles the page and names every asset it links by its content hash', async () => {
    const bundle = await buildConsole();
    const linked = [...bundle.indexHtml.matchAll(/(?:src|href)="assets\/([^"]+)"/g)].map((match) => match[1]);
    expect(linked.sort()).toEqual([...bundle.assets.keys()].sort());
    expect(linked).toHaveLength(2);
    for (const name of linked) expect(name).toMatch(/^main-[A-Z0-9]{8}\.(js|css)$/);
  });

  it('has no inline script or style for the strict CSP to refuse', async () => {
    const { indexHtml } = await buildConsole();
    expect(indexHtml).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(indexHtml).not.toMatch(/<style|style="/);
  });

  it('stays small: under 50 KB of gzipped JavaScript and CSS together', async () => {
    const { sizes } = await buildConsole();
    const gzipped = sizes.reduce((sum, size) => sum + size.gzipBytes, 0);
    expect(gzipped).toBeLessThan(50_000);
  });

  it('builds once per process: concurrent callers get the same bundle', async () => {
    const [first, second] = await Promise.all([buildConsole(), buildConsole()]);
    expect(second).toBe(first);
  });
});
