import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { afterResponse } from '../../lib/background';
import { success } from '../../lib/envelope';
import type { RouteHandler } from '../../lib/openapi-runtime';
import { limitPerEmail } from '../../middleware/rate-limit';
import * as identity from '../../services/identity';
import * as oauth from '../../services/oauth';
import * as sessions from '../../services/sessions';
import type { AppEnv } from '../../types';
import type {
  forgotPasswordRoute,
  loginRoute,
  logoutRoute,
  oauthCallbackRoute,
  refreshSessionRoute,
  registerRoute,
  requestMagicLinkRoute,
  resetPasswordRoute,
  startOAuthRoute,
  verifyEmailRoute,
  verifyMagicLinkRoute,
} from './auth.routes';

export const register: RouteHandler<typeof registerRoute, AppEnv> = async (c) =>
  c.json(success(await identity.register(c.env, c.req.valid('json'))), 201);

export const verifyEmail: RouteHandler<typeof verifyEmailRoute, AppEnv> = async (c) =>
  c.json(success(await identity.verifyEmail(c.env, c.req.valid('json').token)), 200);

export const login: RouteHandler<typeof loginRoute, AppEnv> = async (c) => {
  const input = c.req.valid('json');
  await limitPerEmail(c, input.email);
  return c.json(success(await identity.login(c.env, input)), 200);
};

export const refreshSession: RouteHandler<typeof refreshSessionRoute, AppEnv> = async (c) =>
  c.json(success(await sessions.refresh(c.env, c.req.valid('json').refreshToken)), 200);

export const logout: RouteHandler<typeof logoutRoute, AppEnv> = async (c) => {
  const principal = c.get('principal');
  if (principal?.kind === 'user') await sessions.endSession(c.env, principal.userId, principal.sessionId);
  return c.json(success({ message: 'Signed out' }), 200);
};

/**
 * The email flows that mail a token: limited per address, then the same answer at once, known
 * address or not, while the lookup and the mail happen after the response.
 */
async function mailLater(c: Context<AppEnv>, email: string, what: string, mail: (env: Env, email: string) => Promise<void>) {
  await limitPerEmail(c, email);
  afterResponse(c, what, mail(c.env, email));
  return c.json(success(identity.MAIL_ON_ITS_WAY), 200);
}

export const requestMagicLink: RouteHandler<typeof requestMagicLinkRoute, AppEnv> = (c) =>
  mailLater(c, c.req.valid('json').email, 'magic-link mail', identity.mailMagicLink);

export const verifyMagicLink: RouteHandler<typeof verifyMagicLinkRoute, AppEnv> = async (c) =>
  c.json(success(await identity.verifyMagicLink(c.env, c.req.valid('json').token)), 200);

export const forgotPassword: RouteHandler<typeof forgotPasswordRoute, AppEnv> = (c) =>
  mailLater(c, c.req.valid('json').email, 'password-reset mail', identity.mailPasswordReset);

export const resetPassword: RouteHandler<typeof resetPasswordRoute, AppEnv> = async (c) =>
  c.json(success(await identity.resetPassword(c.env, c.req.valid('json'))), 200);

export const startOAuth: RouteHandler<typeof startOAuthRoute, AppEnv> = async (c) => {
  const principal = c.get('principal');
  const link = principal?.kind === 'user' ? { userId: principal.userId, sessionId: principal.sessionId } : undefined;
  const { url, nonce } = await oauth.authorizationUrl(c.env, c.req.valid('param').provider, link);
  setCookie(c, oauth.NONCE_COOKIE.name, nonce, { prefix: 'host', httpOnly: true, sameSite: 'Lax', maxAge: oauth.NONCE_COOKIE.maxAge });
  // A body-less redirect: defineOperation types every success as JSON, hence the cast.
  return c.redirect(url, 302) as never;
};

export const oauthCallback: RouteHandler<typeof oauthCallbackRoute, AppEnv> = async (c) => {
  const nonce = getCookie(c, oauth.NONCE_COOKIE.name, 'host');
  const { session, mailLinkNotice } = await oauth.finishSignIn(c.env, c.req.valid('param').provider, c.req.valid('query'), nonce);
  if (mailLinkNotice) afterResponse(c, 'link notice mail', mailLinkNotice());
  return c.json(success(session), 200);
};
