import type { IRouter, Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { endConsoleSession, redeemConsoleSignInLink } from '../../domain/console-sessions.js';
import { completeSignInScan, confirmSignInScan, signInScanCode, startSignInScan, type SignInScanOutcome } from '../../domain/console-sign-in-scans.js';
import { consoleOverview, type Overview } from '../../domain/console-overview.js';
import { consoleTeam, type TeamMember } from '../../domain/console-team.js';
import { NOTIFICATION_STATUSES } from '../../domain/notifications.js';
import { ApiError } from '../api-error.js';
import { clientKeyOf, createWindowCounter } from '../window-counter.js';
import { clearConsoleCookie, setConsoleCookie } from '../console-cookie.js';
import { requireJsonContentType } from '../request-guards.js';
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

/**
 * Sign-in scans started, and their codes fetched, per client address in a minute, at most: nobody signed in calls
 * them, and each code spends WeChat's quota of 5,000 codes a minute, shared by the whole mini program.
 */
export const SIGN_IN_SCANS_PER_ADDRESS_MINUTE = 10;

/** The browser's secret, in the path: checked for shape only, so a wrong one is "unknown" and never echoed. */
const scanParams = z.strictObject({ id: z.string().max(128) });
const SCAN_ERRORS = [
  { status: 404, description: 'SCAN_INVALID: not a sign-in the CRM started, or one that ended over an hour ago' },
  { status: 409, description: 'SCAN_USED: it already signed a browser in' },
  { status: 410, description: 'SCAN_EXPIRED: CONSOLE_SCAN_TTL_SECONDS have passed; start a new one' },
];

function sendScanOutcome(req: Request, res: Response, ctx: AppContext, outcome: SignInScanOutcome): void {
  res.set('cache-control', 'no-store');
  if (outcome.status === 'waiting') {
    res.status(202).json({ status: 'waiting' });
    return;
  }
  setConsoleCookie(req, res, ctx.config, outcome.session, ctx.clock.now());
  res.status(200).json({ user: outcome.session.user });
}

/** Before authentication: the one-time sign-in link a browser opens, and signing in by scanning a code. */
export function consoleSignInRoutes(router: IRouter, ctx: AppContext, registry: RouteRegistry): void {
  // Every scan started, and every code fetched, by an address.
  const throttles = {
    start: createWindowCounter({ limit: SIGN_IN_SCANS_PER_ADDRESS_MINUTE, windowMs: 60_000, clock: ctx.clock }),
    code: createWindowCounter({ limit: SIGN_IN_SCANS_PER_ADDRESS_MINUTE, windowMs: 60_000, clock: ctx.clock }),
  };
  const limit = (which: keyof typeof throttles, req: Request, res: Response): void => {
    const address = clientKeyOf(req);
    const retryAfter = throttles[which].retryAfterSeconds(address);
    if (retryAfter > 0) {
      res.setHeader('Retry-After', String(retryAfter));
      throw new ApiError({ code: 'TOO_MANY_SIGN_IN_SCANS', message: `At most ${SIGN_IN_SCANS_PER_ADDRESS_MINUTE} sign-in codes a minute from one address; retry in ${retryAfter} s` });
    }
    throttles[which].count(address);
  };

  registry.route(router, {
    method: 'post',
    path: '/api/console/sign-in/scans',
    operationId: 'startConsoleSignInScan',
    summary: 'Start signing in to the console by scanning a mini-program code with the WeChat a user bound: the browser keeps `id` secret and polls …/complete',
    description: `Valid CONSOLE_SCAN_TTL_SECONDS. At most ${SIGN_IN_SCANS_PER_ADDRESS_MINUTE} a minute from one client address (429 TOO_MANY_SIGN_IN_SCANS with Retry-After).`,
    tag: 'Console',
    authenticated: false,
    body: z.strictObject({}),
    status: 201,
    response: z.object({ id: z.string().describe('the secret that completes this sign-in: never shown, logged or put in the code'), expiresAt: z.string() }),
    errors: [
      { status: 429, description: 'TOO_MANY_SIGN_IN_SCANS' },
      { status: 503, description: 'WECHAT_NOT_CONFIGURED' },
    ],
    handler: ({ req, res }) => {
      limit('start', req, res);
      return startSignInScan(ctx);
    },
  }, (res, status, scan) => void res.status(status).set('cache-control', 'no-store').json(scan));

  registry.route(
    router,
    {
      method: 'get',
      path: '/api/console/sign-in/scans/:id/code',
      operationId: 'getConsoleSignInScanCode',
      summary: "The sign-in's mini-program code (PNG): it opens the kit's console sign-in page (WECHAT_CONSOLE_SIGN_IN_PAGE) with the sign-in's scene",
      description: `Made by WeChat on each call: at most ${SIGN_IN_SCANS_PER_ADDRESS_MINUTE} a minute from one client address.`,
      tag: 'Console',
      authenticated: false,
      params: scanParams,
      contentType: 'image/png',
      response: z.custom<{ png: Buffer; expiresAt: string }>().meta({ type: 'string', format: 'binary', description: 'the mini-program code, a PNG image' }),
      errors: [
        ...SCAN_ERRORS,
        { status: 429, description: 'TOO_MANY_SIGN_IN_SCANS' },
        { status: 502, description: 'WECHAT_REFUSED: WeChat refused to make the code; the message says why (e.g. 41030: publish the page or set WECHAT_QR_CHECK_PATH=false)' },
        { status: 503, description: 'WECHAT_NOT_CONFIGURED' },
      ],
      handler: ({ params, req, res }) => {
        limit('code', req, res);
        return signInScanCode(ctx, params.id);
      },
    },
    (res, status, code) => void res.status(status).type('png').set('cache-control', 'no-store').set('x-sign-in-expires-at', code.expiresAt).send(code.png),
  );

  registry.route(
    router,
    {
      method: 'post',
      path: '/api/console/sign-in/scans/:id/complete',
      operationId: 'completeConsoleSignInScan',
      summary: 'Polled by the console (every ~1.5 s): 202 `{status: "waiting"}` until a phone confirmed the code, then once 200 with the session cookie',
      description: 'The session is of the user who confirmed, if still active (422 USER_INACTIVE otherwise). After that, 409 SCAN_USED.',
      tag: 'Console',
      authenticated: false,
      params: scanParams,
      body: z.strictObject({}),
      response: z.custom<SignInScanOutcome>().meta({ type: 'object', description: '200: `{user: {id, name, role}}` with Set-Cookie; 202: `{status: "waiting"}`' }),
      errors: [
        { status: 202, description: '`{status: "waiting"}`: no phone has confirmed yet; ask again' },
        ...SCAN_ERRORS,
        { status: 415, description: 'UNSUPPORTED_MEDIA_TYPE: not sent as application/json (a form cannot complete a sign-in)' },
        { status: 422, description: 'USER_INACTIVE: the user who confirmed was deactivated since' },
      ],
      handler: ({ params, req }) => {
        requireJsonContentType(req);
        return completeSignInScan(ctx, params.id);
      },
    },
    (res, _status, outcome) => sendScanOutcome(res.req, res, ctx, outcome),
  );
  registry.route(
    router,
    {
      method: 'get',
      path: '/console/sign-in',
      operationId: 'openConsoleSignInLink',
      summary: 'Open a one-time console sign-in link (pnpm cli console:link): goes to the console, which asks before it signs in',
      description:
        'Always 303 to `/console/#/sign-in?link=…`, spending nothing: a mail scanner or link preview that fetches the link does not use it up. The page signs in when the person clicks (POST /api/console/sign-in/links).',
      tag: 'Console',
      authenticated: false,
      // Not strict: a browser may add parameters; only `link` counts.
      query: z.object({ link: z.string().max(128).optional() }),
      status: 303,
      contentType: 'text/plain',
      response: z.string().describe('the redirect; see Location'),
      handler: ({ query }) => (query.link ? `/console/#/sign-in?link=${encodeURIComponent(query.link)}` : `${SIGN_IN_FAILED}LINK_INVALID`),
    },
    (res, status, location) => void res.set('cache-control', 'no-store').redirect(status, location),
  );

  registry.route(
    router,
    {
      method: 'post',
      path: '/api/console/sign-in/links',
      operationId: 'signInToConsoleByLink',
      summary: "Sign in with a one-time link's token (the console's sign-in page, when the person clicks): the session cookie",
      description: 'Once per link, within CONSOLE_LINK_TTL_MINUTES, for a user still active. Only as application/json: a form on another site cannot sign a browser in.',
      tag: 'Console',
      authenticated: false,
      body: z.strictObject({ link: z.string().min(1).max(128).describe('the `link` parameter of the printed address') }),
      response: z.object({ user: consoleUserSchema }),
      errors: [
        { status: 404, description: 'LINK_INVALID: not a link the CRM issued, or for a user deactivated since' },
        { status: 409, description: 'LINK_USED' },
        { status: 410, description: 'LINK_EXPIRED' },
        { status: 415, description: 'UNSUPPORTED_MEDIA_TYPE: not sent as application/json' },
      ],
      handler: async ({ body, req, res }) => {
        requireJsonContentType(req);
        const session = await redeemConsoleSignInLink(ctx, body.link);
        setConsoleCookie(req, res, ctx.config, session, ctx.clock.now());
        return { user: session.user };
      },
    },
    (res, status, body) => void res.status(status).set('cache-control', 'no-store').json(body),
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

  registry.route(router, {
    method: 'post',
    path: '/api/console/sign-in/scans/confirm',
    operationId: 'confirmConsoleSignInScan',
    summary: "The phone that scanned the console's sign-in code confirms it (the kit's console sign-in page, with its WeChat session token): that browser signs in as this user",
    description: "The mini program's WeChat session token only (POST /api/wechat-session): a console session does not confirm another browser, nor does an API token, which proves no scan. Once per code.",
    tag: 'Console',
    body: z.strictObject({ scene: z.string().trim().min(1).max(32) }),
    response: z.object({ confirmed: z.literal(true) }),
    errors: [
      { status: 403, description: "FORBIDDEN: sent with a console session or an API token instead of the mini program's WeChat session" },
      { status: 404, description: 'SCENE_INVALID: not a console sign-in code' },
      { status: 409, description: 'SCENE_USED: already confirmed' },
      { status: 410, description: 'SCENE_EXPIRED' },
    ],
    handler: ({ actor, body, req }) => {
      // The scan is the proof: only the phone's session, which the WeChat it was bound to got, may confirm one.
      if (req.consoleSession) throw new ApiError({ code: 'FORBIDDEN', message: "A console sign-in code is confirmed from the mini program (its WeChat session), not from the console" });
      if (req.tokenKind !== 'wechat') throw new ApiError({ code: 'FORBIDDEN', message: "A console sign-in code is confirmed from the mini program with its WeChat session, not with an API token" });
      return confirmSignInScan(ctx, actor, body.scene);
    },
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
