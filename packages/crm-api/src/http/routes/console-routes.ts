import type { IRouter } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { endConsoleSession, redeemConsoleSignInLink } from '../../domain/console-sessions.js';
import { consoleOverview, type Overview } from '../../domain/console-overview.js';
import { consoleTeam, type TeamMember } from '../../domain/console-team.js';
import { NOTIFICATION_STATUSES } from '../../domain/notifications.js';
import { DomainError } from '../../domain/errors.js';
import { ApiError } from '../api-error.js';
import { clearConsoleCookie, setConsoleCookie } from '../console-cookie.js';
import type { RouteRegistry } from '../route-registry.js';
import { roleSchema } from '../schemas.js';

const consoleUserSchema = z.object({ id: z.string(), name: z.string(), role: roleSchema }).meta({ id: 'ConsoleUser' });

const teamMemberSchema = z
  .object({
    user: consoleUserSchema,
    binding: z.object({ bound: z.boolean().nullable().describe('null: WeChat has not told the CRM yet (unknown, not "not bound")'), since: z.string().nullable().describe('when WeChat first showed the binding') }),
    stock: z.record(z.string(), z.number().int()).describe('messages WeChat allows, per lead template id'),
    always: z.array(z.string()).describe('lead templates kept "总是保持以上选择" (always accept), as the phone last reported (POST /api/me/subscription-settings); empty until it does'),
    mainSwitch: z.boolean().nullable().describe("false: the phone showed every subscribe message off (no subscribe message reaches them); null: the phone has not reported"),
    settingsReportedAt: z.string().nullable().describe('when the phone last reported its subscription settings'),
    turnedOff: z.array(z.string()).describe('templates WeChat refused or the salesperson turned off, nothing accepted since'),
    wecom: z.object({ userId: z.string().nullable(), reachable: z.boolean() }),
    lastDelivered: z.object({ at: z.string(), customerName: z.string() }).nullable(),
    lastSkipped: z.object({ at: z.string(), reason: z.string().nullable(), reasonText: z.string().nullable().describe('the reason in words (Chinese)') }).nullable(),
    nextLead: z.object({
      reaches: z.boolean(),
      channel: z.enum(['wechat', 'wecom']).nullable().describe('null when not known'),
      text: z.string().describe('in words (Chinese): 会立即收到, 不会收到：未绑定, …'),
    }),
  })
  .meta({ id: 'TeamMember' }) satisfies z.ZodType<TeamMember>;

const overviewSchema = z
  .object({
    days: z.array(
      z.object({
        date: z.string().describe('a Beijing (Asia/Shanghai) day, YYYY-MM-DD; oldest first'),
        byStatus: z.record(z.enum(NOTIFICATION_STATUSES), z.number().int()).describe('notifications created that day, by their status now'),
        byChannel: z.object({ wechat: z.number().int(), wecom: z.number().int() }).describe('of them, the sent ones by the channel they went out on'),
        unreachable: z.number().int().describe('salespeople with at least one skipped notification created that day'),
      }),
    ),
    latency: z
      .object({ bucketsMs: z.array(z.number().int()), counts: z.array(z.number().int()) })
      .describe('assignment → message time of the sent notifications of the range: counts[i] up to bucketsMs[i] (after the one before), the last count beyond them all'),
  })
  .meta({ id: 'ConsoleOverview' }) satisfies z.ZodType<Overview>;

/** Where the console shows a failed sign-in: its own sign-in view, with the reason. */
const SIGN_IN_FAILED = '/console/#/sign-in?error=';
const LINK_ERRORS = new Set(['LINK_INVALID', 'LINK_USED', 'LINK_EXPIRED']);

/** Before authentication: the one-time sign-in link a browser opens. */
export function consoleSignInRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {
  registry.route(
    router,
    {
      method: 'get',
      path: '/console/sign-in',
      operationId: 'signInToConsoleByLink',
      summary: 'Open a one-time console sign-in link (pnpm cli console:link): sets the session cookie and goes to the console',
      description:
        'Always 303. Signed in: `Location: /console/` with the session cookie. Otherwise `Location: /console/#/sign-in?error=LINK_USED|LINK_EXPIRED|LINK_INVALID` (unknown, or for a user deactivated since).',
      tag: 'Console',
      authenticated: false,
      // Not strict: a browser may add parameters; only `link` counts.
      query: z.object({ link: z.string().max(128).optional() }),
      status: 303,
      contentType: 'text/plain',
      response: z.string().describe('the redirect; see Location'),
      handler: async ({ query, req, res }) => {
        try {
          if (!query.link) throw new DomainError({ code: 'LINK_INVALID', message: 'No sign-in link' });
          const session = await redeemConsoleSignInLink(ctx, query.link);
          setConsoleCookie(req, res, ctx.config, session, ctx.clock.now());
          return '/console/';
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (typeof code !== 'string' || !LINK_ERRORS.has(code)) throw error;
          return `${SIGN_IN_FAILED}${code}`;
        }
      },
    },
    (res, status, location) => void res.set('cache-control', 'no-store').redirect(status, location),
  );
}

/** The console's own routes, behind authentication (a bearer token or the session cookie). */
export function consoleRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {
  registry.route(router, {
    method: 'get',
    path: '/api/console/session',
    operationId: 'getConsoleSession',
    summary: 'The console session of this cookie: who, the CSRF token its changes must send (X-CSRF-Token), until when',
    tag: 'Console',
    response: z.object({ user: consoleUserSchema, csrfToken: z.string(), expiresAt: z.string() }),
    handler: ({ req }) => {
      const session = req.consoleSession;
      if (!session) throw new ApiError({ code: 'UNAUTHENTICATED', message: 'No console session: sign in to the console (a bearer token has none)' });
      return { user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    },
  });

  registry.route(router, {
    method: 'get',
    path: '/api/console/team',
    operationId: 'getConsoleTeam',
    summary: 'The team page: whether the next lead reaches each active salesperson, and why not (managers, admins; a sales user sees themselves)',
    description: 'Judged as GET /api/users/:id/reachability judges it, for the whole team in three statements.',
    tag: 'Console',
    response: z.object({ items: z.array(teamMemberSchema) }),
    handler: ({ actor }) => consoleTeam(ctx, actor),
  });

  registry.route(router, {
    method: 'get',
    path: '/api/console/overview',
    operationId: 'getConsoleOverview',
    summary: "The overview: each of the last `days` Beijing days' notifications by status and channel, the salespeople a lead did not reach, and how long leads took (managers, admins)",
    tag: 'Console',
    query: z.strictObject({ days: z.coerce.number().int().min(1).max(92).default(14).describe('Beijing days back, today included (1–92)') }),
    response: overviewSchema,
    handler: ({ actor, query }) => consoleOverview(ctx, actor, query.days),
  });

  registry.route(
    router,
    {
      method: 'post',
      path: '/api/console/sign-out',
      operationId: 'signOutOfConsole',
      summary: 'End this console session and clear its cookie (needs X-CSRF-Token, as every console change does)',
      tag: 'Console',
      body: z.strictObject({}),
      status: 204,
      response: z.null().describe('no body'),
      handler: async ({ req, res }) => {
        if (req.consoleSession) await endConsoleSession(ctx, req.consoleSession);
        clearConsoleCookie(req, res, ctx.config);
        return null;
      },
    },
    (res, status) => void res.status(status).end(),
  );
}
