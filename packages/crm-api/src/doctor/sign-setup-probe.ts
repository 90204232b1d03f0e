import { createHmac, randomBytes } from 'node:crypto';
import { setupProbeMessage, type SetupProbe } from '@leadnotify/contracts';

/** A probe the function checks against its own LEADNOTIFY_SHARED_SECRET (contracts' setup-check.ts has the format). */
export function signSetupProbe(secret: string, nowMs: number): SetupProbe {
  const unsigned = { nonce: randomBytes(16).toString('base64url'), signedAt: Math.floor(nowMs / 1000) };
  return { ...unsigned, signature: createHmac('sha256', secret).update(setupProbeMessage(unsigned)).digest('base64url') };
}
