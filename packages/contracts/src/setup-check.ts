import { z } from 'zod';
import { functionErrorSchema } from './send-result.js';

/**
 * `checkSetup`: the CRM's doctor asks the deployed function whether it is there, which templates and keyword mapping
 * it sends with, and whether its LEADNOTIFY_SHARED_SECRET is the CRM's — without either side showing the secret. The
 * CRM signs a probe: signature = base64url(HMAC-SHA256(secret, setupProbeMessage(probe))). The prefix keeps a probe
 * from ever verifying as a binding ticket, a session vouch or a signed send made with the same secret, and the reverse.
 */
export const SETUP_PROBE_PREFIX = 'leadnotify-probe.v1.';

/** How far a probe's `signedAt` may be from the function's clock, either way: a captured probe is worthless after. */
export const SETUP_PROBE_MAX_SKEW_SECONDS = 300;

export const setupProbeSchema = z.object({
  /** Random, so no two probes sign the same text. */
  nonce: z.string().min(16).max(128),
  /** Unix seconds, by the CRM's clock. */
  signedAt: z.number().int(),
  signature: z.string().min(1).max(256),
});
export type SetupProbe = z.infer<typeof setupProbeSchema>;

/** What the HMAC covers. */
export function setupProbeMessage(probe: Pick<SetupProbe, 'nonce' | 'signedAt'>): string {
  return `${SETUP_PROBE_PREFIX}${probe.nonce}.${probe.signedAt}`;
}

/** No probe: the CRM has no secret to sign with. */
export const checkSetupEventSchema = z.object({ probe: setupProbeSchema.optional() });
export type CheckSetupEvent = z.infer<typeof checkSetupEventSchema>;

/**
 * The function's secret compared with the CRM's: `matches`; `differs` (a probe it cannot verify, or none while it has
 * a secret); `missing` (it has none, or one too short to use); `stale` (the signature verifies but signedAt is further
 * than SETUP_PROBE_MAX_SKEW_SECONDS from its clock: the two clocks differ).
 */
export const SECRET_COMPARISONS = ['matches', 'differs', 'missing', 'stale'] as const;
export type SecretComparison = (typeof SECRET_COMPARISONS)[number];

export const checkSetupAnswerSchema = z.union([
  z.object({
    ok: z.literal(true),
    secret: z.enum(SECRET_COMPARISONS),
    /** The lead templates it sends with, and which keyword shows which field (template ids and keywords are not secret). */
    templates: z.array(z.object({ id: z.string(), keywords: z.array(z.object({ keyword: z.string(), field: z.string() })) })),
    /** What in its configuration makes sending impossible (no values, only what to fix). */
    problems: z.array(z.string()),
  }),
  functionErrorSchema,
]);
export type CheckSetupAnswer = z.infer<typeof checkSetupAnswerSchema>;
