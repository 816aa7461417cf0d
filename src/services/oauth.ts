import type { z } from 'zod';
import { zEmail, type zOauthCallbackQuery } from '../../generated/zod/zod.gen';
import { base64url } from '../lib/base64url';
import { randomId, sha256Hex, timingSafeEqual } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import { log } from '../lib/log';
import { liveSessionSignedInAt } from '../repositories/sessions';
import {
  type AuthMethodName,
  claimVerifiedEmailStatements,
  findUserByEmail,
  findUserById,
  findUserByProviderAccount,
  insertAuthMethodStatement,
  insertUserStatement,
  listAuthMethods,
} from '../repositories/users';
import { nameFromEmail } from './identity';
import { mailerFor } from './mailer';
import { signIn } from './sessions';

// OAuth sign-in and linking (authorization code + PKCE S256). Every provider endpoint and client
// credential comes from Worker vars and secrets, so that tests can point them at a fake provider.

/** Every sign-in method but the password is an OAuth provider. */
type ProviderName = Exclude<AuthMethodName, 'password'>;

/** What the provider vouches for about its user. */
type ProviderProfile = { accountId: string; email: string; emailVerified: boolean; name: string | null };

type Provider = {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  profile: (accessToken: string) => Promise<ProviderProfile>;
};

const providerApi = async <T>(url: string, accessToken: string): Promise<T> => {
  // GitHub's API refuses requests without a User-Agent.
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json', 'User-Agent': 'loglane' },
  });
  if (!response.ok) throw new Error(`provider API ${new URL(url).pathname} answered ${response.status}`);
  return response.json<T>();
};

function providerFor(env: Env, name: string): Provider & { name: ProviderName } {
  switch (name) {
    case 'github':
      return {
        name,
        authorizeUrl: env.GITHUB_AUTHORIZE_URL,
        tokenUrl: env.GITHUB_TOKEN_URL,
        clientId: env.GITHUB_CLIENT_ID,
        clientSecret: env.GITHUB_CLIENT_SECRET,
        scope: 'read:user user:email',
        profile: async (token) => {
          const user = await providerApi<{ id: number | string; login?: string; name?: string | null }>(env.GITHUB_USER_URL, token);
          // The account's own email can be private or unverified; the primary address of the emails API is authoritative.
          const emails = await providerApi<{ email: string; primary: boolean; verified: boolean }[]>(env.GITHUB_EMAILS_URL, token);
          const primary = emails.find((e) => e.primary);
          if (!primary) throw new Error('GitHub account has no primary email');
          return {
            accountId: String(user.id),
            email: primary.email,
            emailVerified: primary.verified === true,
            name: user.name ?? user.login ?? null,
          };
        },
      };
    case 'google':
      return {
        name,
        authorizeUrl: env.GOOGLE_AUTHORIZE_URL,
        tokenUrl: env.GOOGLE_TOKEN_URL,
        clientId: env.GOOGLE_CLIENT_ID,
        clientSecret: env.GOOGLE_CLIENT_SECRET,
        scope: 'openid email profile',
        profile: async (token) => {
          const info = await providerApi<{ sub: string; email?: string; email_verified?: boolean | string; name?: string }>(
            env.GOOGLE_USERINFO_URL,
            token,
          );
          if (!info.email) throw new Error('Google account has no email');
          return {
            accountId: info.sub,
            email: info.email,
            emailVerified: info.email_verified === true || info.email_verified === 'true',
            name: info.name ?? null,
          };
        },
      };
    default:
      throw ApiError.of('unsupportedOAuthProvider');
  }
}

/**
 * The state of one authorization in flight, kept in KV for 5 minutes and used once. It is bound to
 * the client that started it by a nonce in a `__Host-` cookie (kept here as its hash), so that a
 * callback URL carried to another browser (login CSRF) finishes nothing there. A link remembers
 * the session that asked for it.
 */
type PendingAuthorization = { provider: ProviderName; verifier: string; nonceHash: string; link?: SignedIn; expiresAt: number };
type SignedIn = { userId: string; sessionId: string };
const STATE_TTL_SECONDS = 5 * 60;
const stateKey = (state: string) => `oauth:state:${state}`;
const STATE_PREFIX = 'st';
const STATE_LENGTH = 32;
// Only states of the shape we issue are looked up: anything else is refused without touching KV
// (and cannot make an over-long key).
const ISSUED_STATE = new RegExp(`^${STATE_PREFIX}_[A-Za-z0-9]{${STATE_LENGTH}}$`);
/** Linking a provider needs a sign-in this recent: a stolen (or forgotten) older session cannot add one. */
const RECENT_SIGN_IN_MS = 10 * 60 * 1000;

/** The cookie that binds a flow to its client (Hono adds the `__Host-` prefix); it lives as long as the state. */
export const NONCE_COOKIE = { name: 'loglane_oauth', maxAge: STATE_TTL_SECONDS };

const redirectUri = (env: Env, provider: ProviderName) => `${env.PUBLIC_BASE_URL}/v1/auth/oauth/${provider}/callback`;

const s256 = async (verifier: string) =>
  base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));

/**
 * The provider's authorization URL, with a fresh state and PKCE challenge, and the nonce for the
 * client's cookie. With `link` the callback links the provider to that signed-in user, who must
 * have signed in within the last 10 minutes.
 */
export async function authorizationUrl(env: Env, providerName: string, link?: SignedIn): Promise<{ url: string; nonce: string }> {
  const provider = providerFor(env, providerName);
  if (link) {
    const signedInAt = await liveSessionSignedInAt(env.DB, link.userId, link.sessionId);
    if (!signedInAt) throw ApiError.of('invalidToken');
    if (Date.now() - Date.parse(signedInAt) > RECENT_SIGN_IN_MS) throw ApiError.of('recentSignInRequired');
  }
  const state = randomId(STATE_PREFIX, STATE_LENGTH);
  const nonce = randomId('nonce', 32);
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const pending: PendingAuthorization = {
    provider: provider.name,
    verifier,
    nonceHash: await sha256Hex(nonce),
    link,
    expiresAt: Date.now() + STATE_TTL_SECONDS * 1000,
  };
  await env.CACHE.put(stateKey(state), JSON.stringify(pending), { expirationTtl: STATE_TTL_SECONDS });
  const url = new URL(provider.authorizeUrl);
  url.search = new URLSearchParams({
    client_id: provider.clientId,
    redirect_uri: redirectUri(env, provider.name),
    response_type: 'code',
    scope: provider.scope,
    state,
    code_challenge: await s256(verifier),
    code_challenge_method: 'S256',
  }).toString();
  return { url: url.toString(), nonce };
}

/**
 * Takes the pending authorization for `state` out of KV: each state works once, for 5 minutes, for
 * the provider it was issued for, and only from the client holding its nonce.
 */
async function takePending(
  env: Env,
  state: string,
  provider: ProviderName,
  nonce: string | undefined,
): Promise<PendingAuthorization | null> {
  if (!ISSUED_STATE.test(state)) return null;
  const pending = await env.CACHE.get<PendingAuthorization>(stateKey(state), 'json');
  if (!pending) return null;
  await env.CACHE.delete(stateKey(state));
  const fromItsClient = nonce !== undefined && timingSafeEqual(await sha256Hex(nonce), pending.nonceHash);
  // KV expiry is coarse (and not on the Worker's clock); the stored deadline is exact.
  return fromItsClient && pending.provider === provider && pending.expiresAt > Date.now() ? pending : null;
}

async function exchangeCode(
  env: Env,
  provider: Provider & { name: ProviderName },
  code: string,
  verifier: string,
): Promise<ProviderProfile> {
  const response = await fetch(provider.tokenUrl, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(env, provider.name),
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
      code_verifier: verifier,
    }),
  });
  // GitHub reports errors with 200 and an `error` field, so the token itself is what counts.
  const body = response.ok ? await response.json<{ access_token?: string }>() : {};
  if (typeof body.access_token !== 'string' || body.access_token === '')
    throw new Error(`token endpoint answered ${response.status} without a token`);
  return provider.profile(body.access_token);
}

type CallbackQuery = z.infer<typeof zOauthCallbackQuery>;

/**
 * Finishes an authorization: exchanges the code, requires a verified email, then signs in the
 * user who linked this provider account, or links it (to the user who started a link, while that
 * session lives, or to the account with that email), or creates an account. Every failure is the
 * same 401 oauthFailed. A link also returns the mail that tells the account's owner about it.
 */
export async function finishSignIn(env: Env, providerName: string, query: CallbackQuery, nonce: string | undefined) {
  const provider = providerFor(env, providerName);
  const pending = query.state ? await takePending(env, query.state, provider.name, nonce) : null;
  if (!pending || query.error || !query.code) throw ApiError.of('oauthFailed');
  // The session that asked for the link ended meanwhile (signed out, password reset).
  if (pending.link && !(await liveSessionSignedInAt(env.DB, pending.link.userId, pending.link.sessionId))) throw ApiError.of('oauthFailed');

  let profile: ProviderProfile;
  try {
    profile = await exchangeCode(env, provider, query.code, pending.verifier);
  } catch (error) {
    log.warn('oauth_exchange_failed', { provider: provider.name, error });
    throw ApiError.of('oauthFailed');
  }
  if (!profile.emailVerified || !zEmail.safeParse(profile.email).success) throw ApiError.of('oauthFailed');

  const user = await resolveUser(env, provider.name, profile, pending.link?.userId);
  let session;
  try {
    session = await signIn(env, user.id, user.statements);
  } catch (error) {
    // A concurrent sign-in linked the same provider account or took the address first.
    if (String(error).includes('UNIQUE constraint failed')) throw ApiError.of('oauthFailed');
    throw error;
  }
  return { session, mailLinkNotice: user.linkedTo ? () => mailLinkNotice(env, user.linkedTo!, provider.name) : undefined };
}

const PROVIDER_NAMES: Record<ProviderName, string> = { github: 'GitHub', google: 'Google' };

/** Tells the account's owner that a provider can now sign in to it, so that a link they did not make does not go unnoticed. */
const mailLinkNotice = (env: Env, email: string, provider: ProviderName) =>
  mailerFor(env).send({
    to: email,
    subject: `${PROVIDER_NAMES[provider]} sign-in was linked to your Loglane account`,
    text:
      `A ${PROVIDER_NAMES[provider]} account can now sign in to your Loglane account (linked ${new Date().toISOString()}).\n\n` +
      'If this was not you, remove it (DELETE /v1/me/auth-methods/' +
      provider +
      ') and reset your password with forgot-password.',
  });

/** Which user this provider account signs in as, the writes that link or create them, and the address to tell of a link. */
async function resolveUser(env: Env, provider: ProviderName, profile: ProviderProfile, linkUserId?: string) {
  const owner = await findUserByProviderAccount(env.DB, provider, profile.accountId);
  const target = linkUserId ? await findUserById(env.DB, linkUserId) : (owner ?? (await findUserByEmail(env.DB, profile.email)));
  if (linkUserId && !target) throw ApiError.of('oauthFailed');
  // A provider account belongs to one user only.
  if (owner && target && owner.id !== target.id) throw ApiError.of('oauthFailed');
  if (owner) return { id: owner.id, statements: [] };

  if (target) {
    // One account per provider: a user linked to another account of this provider is refused.
    const methods = await listAuthMethods(env.DB, target.id);
    if (methods.some((m) => m.method === provider)) throw ApiError.of('oauthFailed');
    const link = insertAuthMethodStatement(env.DB, target.id, provider, profile.accountId);
    // Matched by email: the provider has just verified that address for this user.
    return {
      id: target.id,
      statements: linkUserId ? [link] : [link, ...claimVerifiedEmailStatements(env.DB, target.id)],
      linkedTo: target.email,
    };
  }

  const id = randomId('usr');
  const name = profile.name?.trim().slice(0, 100) || nameFromEmail(profile.email);
  return {
    id,
    statements: [
      insertUserStatement(env.DB, { id, email: profile.email, name, emailVerified: true, passwordHash: null }),
      insertAuthMethodStatement(env.DB, id, provider, profile.accountId),
    ],
  };
}
