import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import simulate from 'miniprogram-simulate';
import { owedAnswers } from './fake-wx.js';

/**
 * The built demo app (test/build-once.ts): the tests drive the same files DevTools opens. A path from the
 * string, since under jsdom `URL` is jsdom's and node:url refuses it.
 */
export const DEMO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'demo');

export type Rendered = ReturnType<typeof simulate.render>;

/** Loads a built page or component with WeChat's own template compiler and attaches it to the document. */
export function render(path: string, properties?: Record<string, unknown>): Rendered {
  const id = simulate.load(join(DEMO_ROOT, path), { rootPath: DEMO_ROOT });
  const rendered = simulate.render(id, properties);
  rendered.attach(document.createElement('parent-wrapper'));
  return rendered;
}

/**
 * Lets the fake wx give every answer it owes and the kit react to each: an answer comes in a timer of its own, and
 * what the kit does with it in the promise jobs after it, so a turn of the event loop ending with no answer owed
 * leaves nothing to run. (A call on real network, through the connected wx, is waited for with waitFor.)
 */
export async function settle(): Promise<void> {
  for (let turns = 1; ; turns++) {
    await simulate.sleep(0);
    if (owedAnswers() === 0) return;
    if (turns >= 1000) throw new Error(`the fake wx still owes ${owedAnswers()} answers after 1,000 turns of the event loop`);
  }
}

type Node = NonNullable<ReturnType<Rendered['querySelector']>>;

export function find(root: Rendered | Node, selector: string): Node {
  const node = root.querySelector(selector);
  if (!node) throw new Error(`nothing matches ${selector}`);
  return node;
}

export function textOf(root: Rendered | Node, selector: string): string | undefined {
  return root.querySelector(selector)?.dom?.textContent?.trim();
}

/**
 * Taps like a finger: j-component dispatches in a microtask and runs the handler synchronously inside it,
 * so the fake's "inside a tap" flag is raised when the DOM event fires and lowered on the next microtask.
 * A handler that awaits anything before calling wx.requestSubscribeMessage is outside the tap, as on a phone.
 */
export async function tap(fake: { insideTap: boolean }, node: Node): Promise<void> {
  const dom = node.dom;
  if (!dom) throw new Error('the node is not rendered');
  dom.addEventListener(
    'tap',
    () => {
      fake.insideTap = true;
      queueMicrotask(() => {
        fake.insideTap = false;
      });
    },
    { capture: true, once: true },
  );
  node.dispatchEvent('tap');
  await settle();
}

/** Listens to a component's triggerEvent; j-component has addEventListener but its typings omit it. */
export function listen(rendered: Rendered, eventName: string, handler: (event: { detail: Record<string, unknown> }) => void): void {
  (rendered as unknown as { addEventListener(name: string, handler: (event: { detail: Record<string, unknown> }) => void): void }).addEventListener(
    eventName,
    handler,
  );
}
