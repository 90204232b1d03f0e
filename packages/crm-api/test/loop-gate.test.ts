import { describe, expect, it } from 'vitest';
import { createLoopGate } from '../src/delivery/process-load.js';

const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // The event loop runs code the whole time: what a load of requests looks like to the gate.
  }
};
const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the loop gate (event-loop utilization)', () => {
  it('says busy after the event loop ran code a whole window, at ease after it waited one', async () => {
    const gate = createLoopGate({ windowMs: 40 });

    spin(60);
    const afterWork = gate.busy();
    await idle(60);
    gate.busy();
    await idle(60);

    expect([afterWork, gate.busy()]).toEqual([true, false]);
  });

  it('lets one loop start per window while at ease, none while busy', async () => {
    const gate = createLoopGate({ windowMs: 40 });
    await idle(60);

    const atOnce = [gate.mayStartLoop(), gate.mayStartLoop()];
    await idle(60);
    const nextWindow = gate.mayStartLoop();
    spin(60);

    expect([...atOnce, nextWindow, gate.mayStartLoop()]).toEqual([true, false, true, false]);
  });
});
