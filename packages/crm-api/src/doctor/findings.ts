/** The doctor's checks, in the order it runs and prints them. */
export const CHECKS = ['wechat-credentials', 'cloud-function', 'shared-secret', 'templates', 'message-push', 'wecom-credentials', 'wecom-trusted-ip'] as const;
export type CheckName = (typeof CHECKS)[number];

/**
 * `problem`: something the deployment cannot work with (exit code 1); `warning`: it works, with something lost or not
 * verified yet; `skipped`: not checked, because what it needs failed or is not configured.
 */
export type FindingStatus = 'ok' | 'warning' | 'problem' | 'skipped';

export interface Finding {
  check: CheckName;
  status: FindingStatus;
  /** What was found; never a secret. */
  summary: string;
  /** What to do; absent when nothing is to be done. */
  fix?: string;
}

export function finding(check: CheckName, status: FindingStatus, summary: string, fix?: string): Finding {
  return fix === undefined ? { check, status, summary } : { check, status, summary, fix };
}

/** The worst of several findings of one check, their summaries and distinct fixes joined: one line per check. */
export function combine(check: CheckName, parts: Array<Omit<Finding, 'check'>>, whenNone: Omit<Finding, 'check'>): Finding {
  if (parts.length === 0) return { check, ...whenNone };
  const order: FindingStatus[] = ['skipped', 'ok', 'warning', 'problem'];
  const status = parts.map((part) => part.status).reduce((worst, next) => (order.indexOf(next) > order.indexOf(worst) ? next : worst));
  const fixes = [...new Set(parts.flatMap((part) => (part.fix ? [part.fix] : [])))];
  return finding(check, status, parts.map((part) => part.summary).join('; '), fixes.length > 0 ? fixes.join('; ') : undefined);
}

/** 0 when no check found a problem, 1 otherwise. */
export function exitCodeOf(findings: readonly Finding[]): number {
  return findings.some((found) => found.status === 'problem') ? 1 : 0;
}
