const SECRET_QUERY_PARAMS = /\b(access_token|secret|appsecret)=([^&\s"']+)/gi;

/**
 * Removes secrets from text that may reach a log: query parameters WeChat uses for credentials
 * (octokit/request-error does the same for `access_token=`), and any literal secret value given.
 */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let result = text.replace(SECRET_QUERY_PARAMS, '$1=[REDACTED]');
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join('[REDACTED]');
  }
  return result;
}
