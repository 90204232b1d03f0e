import { SETUP_PROBE_MAX_SKEW_SECONDS, setupProbeMessage, type SecretComparison, type SetupProbe } from '@leadnotify/contracts';
import { fromBase64Url, hmacSha256, sameBytes } from './hmac.js';

/**
 * Compares the CRM's secret, which signed the probe, with this function's (contracts' setup-check.ts has the format).
 * Only the comparison leaves the function, never the secret. The signature is checked before the time, so a probe
 * signed with another secret says `differs` whatever its time.
 */
export function compareSecret(secret: string | undefined, probe: SetupProbe | undefined, nowMs: number): SecretComparison {
  if (secret === undefined) return 'missing';
  if (probe === undefined) return 'differs';
  if (!sameBytes(fromBase64Url(probe.signature), hmacSha256(secret, setupProbeMessage(probe)))) return 'differs';
  return Math.abs(nowMs / 1000 - probe.signedAt) > SETUP_PROBE_MAX_SKEW_SECONDS ? 'stale' : 'matches';
}
