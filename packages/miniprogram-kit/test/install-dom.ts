import { createRequire } from 'node:module';

/**
 * A DOM for miniprogram-simulate in a Node-environment test file: window, document and the event classes
 * j-component dispatches (it builds `new CustomEvent` for taps). Nothing else is replaced, so Node's own
 * networking stays as it is. jsdom has no bundled types; only the constructor is used.
 */
const { JSDOM } = createRequire(import.meta.url)('jsdom') as { JSDOM: new (html: string, options?: object) => { window: Record<string, unknown> & { document: Document } } };
const { window } = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
const target = globalThis as Record<string, unknown>;
target.window = window;
target.document = window.document;
for (const name of ['CustomEvent', 'Event', 'Element', 'HTMLElement', 'Node', 'getComputedStyle', 'requestAnimationFrame']) {
  const value = window[name];
  target[name] = typeof value === 'function' && !/^[A-Z]/.test(name) ? (value as (...args: unknown[]) => unknown).bind(window) : value;
}
