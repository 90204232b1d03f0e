import type { Logger } from 'pino';
import type { Finding, FindingStatus } from './findings.js';

const MARK: Record<FindingStatus, string> = { ok: 'ok     ', warning: 'warning', problem: 'problem', skipped: 'skipped' };

/** One line per check: status, check, what was found, and the fix. */
export function formatFindings(findings: readonly Finding[]): string {
  const problems = findings.filter((found) => found.status === 'problem').length;
  const warnings = findings.filter((found) => found.status === 'warning').length;
  return [
    ...findings.map((found) => `${MARK[found.status]} ${found.check}: ${found.summary}${found.fix ? ` — fix: ${found.fix}` : ''}`),
    problems === 0 ? `no problem found${warnings > 0 ? ` (${warnings} warning(s))` : ''}` : `${problems} problem(s), ${warnings} warning(s)`,
  ].join('\n');
}

/** The production start's record of each finding (problems at error, warnings at warn), then one summary. */
export function logFindings(logger: Logger, findings: readonly Finding[]): void {
  for (const found of findings) {
    const record = { doctor: found.check, status: found.status, ...(found.fix ? { fix: found.fix } : {}) };
    const message = `doctor: ${found.check}: ${found.summary}`;
    if (found.status === 'problem') logger.error(record, message);
    else if (found.status === 'warning') logger.warn(record, message);
    else logger.info(record, message);
  }
  const problems = findings.filter((found) => found.status === 'problem').length;
  const summary = { problems, warnings: findings.filter((found) => found.status === 'warning').length };
  if (problems > 0) logger.error(summary, `doctor: ${problems} problem(s) in the deployment; \`pnpm cli doctor\` shows each with its fix`);
  else logger.info(summary, 'doctor: no problem found in the deployment');
}
