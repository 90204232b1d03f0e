import { describe, expect, it } from 'vitest';
import { waitFor, WaitTimeoutError } from '../src/index.js';

describe('waitFor', () => {
  it('returns the first value that meets the condition', async () => {
    let calls = 0;
    const probe = async () => ++calls;

    const value = await waitFor(probe, (n) => n >= 3, { intervalMs: 1 });

    expect(value).toBe(3);
    expect(calls).toBe(3);
  });

  it('when the condition never holds, fails naming what it waited for and the last value seen', async () => {
    let calls = 0;
    const probe = async () => ({ status: calls++ < 2 ? 'pending' : 'sending' });

    const waiting = waitFor(probe, (row) => row.status === 'sent', { what: 'the row to be sent', timeoutMs: 50, intervalMs: 5 });

    await expect(waiting).rejects.toThrow("waited 50 ms for the row to be sent; last value seen: { status: 'sending' }");
    await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(waiting).rejects.toMatchObject({ lastValue: { status: 'sending' } });
  });

  it('without a description, names the condition by its source', async () => {
    await expect(waitFor(() => 1, (n) => n > 1, { timeoutMs: 0 })).rejects.toThrow(/waited 0 ms for .*n > 1.*; last value seen: 1$/);
  });

  it('an error thrown by the probe ends the wait with that error', async () => {
    const probe = async (): Promise<number> => {
      throw new Error('probe broke');
    };

    await expect(waitFor(probe, () => true)).rejects.toThrow('probe broke');
  });
});
