import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROOT } from './render.js';

/**
 * Compiles the built templates and styles with WeChat's own compilers, wcc and wcsc, as shipped in
 * miniprogram-compiler@0.2.3 (bin/linux). The package ships them without the run bit, so the test runs
 * copies in a temporary folder instead of changing the package store.
 */
let tools: string;
let wcc: string;
let wcsc: string;

beforeAll(() => {
  const packageDir = dirname(createRequire(import.meta.url).resolve('miniprogram-compiler/package.json'));
  tools = mkdtempSync(join(tmpdir(), 'leadnotify-wcc-'));
  wcc = join(tools, 'wcc');
  wcsc = join(tools, 'wcsc');
  for (const [from, to] of [['wcc', wcc], ['wcsc', wcsc]] as const) {
    copyFileSync(join(packageDir, 'bin', 'linux', from), to);
    chmodSync(to, 0o755);
  }
});

afterAll(() => {
  rmSync(tools, { recursive: true, force: true });
});

function filesEndingWith(root: string, suffix: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesEndingWith(root, suffix, path);
    return entry.name.endsWith(suffix) ? [relative(root, path)] : [];
  });
}

function compile(tool: string, args: string[], cwd: string) {
  const run = spawnSync(tool, args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.error) throw run.error;
  return { status: run.status, stderr: run.stderr };
}

/** `wcc -d file.wxml` exits non-zero and names the file and position on a template error. */
function wccErrors(root: string, file: string): string | undefined {
  const run = compile(wcc, ['-d', file], root);
  return run.status === 0 ? undefined : run.stderr.trim() || `exit ${run.status}`;
}

/** wcsc exits non-zero on a style error (it also prints "error file count: 0" on stdout, so the status decides). */
function wcscErrors(root: string, file: string): string | undefined {
  const run = compile(wcsc, [file], root);
  return run.status === 0 ? undefined : run.stderr.trim() || `exit ${run.status}`;
}

describe('WeChat compilers', () => {
  const wxml = filesEndingWith(DEMO_ROOT, '.wxml');
  const wxss = filesEndingWith(DEMO_ROOT, '.wxss');

  // wcc exits 0 for a file that does not exist, so the list itself is checked.
  it('finds every page and the component in the build', () => {
    expect(wxml.sort()).toEqual([
      'components/subscribe-button/index.wxml',
      'pages/bind/index.wxml',
      'pages/console-sign-in/index.wxml',
      'pages/customer/detail.wxml',
      'pages/customer/list.wxml',
      'pages/index/index.wxml',
    ]);
    expect(wxss).toContain('app.wxss');
  });

  it.each(wxml)('wcc compiles %s', (file) => {
    expect(wccErrors(DEMO_ROOT, file)).toBeUndefined();
  });

  it.each(wxss)('wcsc compiles %s', (file) => {
    expect(wcscErrors(DEMO_ROOT, file)).toBeUndefined();
  });

  it('reports a broken template and a broken style, so the checks above can fail', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'leadnotify-broken-'));
    try {
      writeFileSync(join(scratch, 'broken.wxml'), '<view>\n  <text>{{title}}</text>\n');
      writeFileSync(join(scratch, 'broken.wxss'), '.title { color: red;\n');
      expect(wccErrors(scratch, 'broken.wxml')).toMatch(/broken\.wxml:\d+:\d+: .*view/);
      expect(wcscErrors(scratch, 'broken.wxss')).toMatch(/broken\.wxss/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
