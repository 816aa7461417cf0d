import type { z } from 'zod';
import type { zLoginRequest, zRegisterRequest, zResetPasswordRequest } from '../../generated/zod/zod.gen';
import { isoIn } from '../lib/clock';
import { hashPassword, randomId, sha256Hex, verifyPassword } from '../lib/crypto';
import { atomically } from '../lib/db';
import { ApiError } from '../lib/errors';
import { consumeOneTimeToken, insertOneTimeTokenStatement, type TokenPurpose } from '../repositories/tokens';
import {
  claimVerifiedEmailStatements,
  findPasswordLogin,
  findUserByEmail,
  findUserById,
  insertAuthMethodStatement,
  insertUserStatement,
  markEmailVerified,
  markEmailVerifiedStatement,
  setPasswordHashStatement,
  type User,
} from '../repositories/users';
import { mailerFor } from './mailer';
import { endSessionsWith, signIn } from './sessions';

// Email-and-password accounts and the email flows: verification, magic link, password reset.

/**
 * What each emailed token is for: its lifetime and the mail that carries it. Loglane has no web
 * pages of its own: the mail names the API call that takes the token and links to its reference
 * (`/docs#/<tag>/<operationid>`, Redoc's address of an operation).
 */
const EMAIL_TOKENS: Record<TokenPurpose, { ttlSeconds: number; subject: string; docs: string; call: string; action: string }> = {
  verify_email: {
    ttlSeconds: 24 * 60 * 60,
    subject: 'Verify your Loglane email',
    docs: 'auth/verifyemail',
    call: 'POST /v1/auth/verify-email',
    action: 'verify your email address',
  },
  magic_link: {
    ttlSeconds: 15 * 60,
    subject: 'Your Loglane sign-in link',
    docs: 'auth/verifymagiclink',
    call: 'POST /v1/auth/magic-link/verify',
    action: 'sign in (the token works once, for 15 minutes)',
  },
  reset_password: {
    ttlSeconds: 60 * 60,
    subject: 'Reset your Loglane password',
    docs: 'auth/resetpassword',
    call: 'POST /v1/auth/reset-password',
    action: 'choose a new password (the token works once, for 1 hour)',
  },
};

/** The same answer whether or not the address is known, so that these endpoints reveal no accounts. */
export const MAIL_ON_ITS_WAY = { message: 'If the address can receive mail, a message is on its way.' };

/** A fresh single-use token: the statement that stores its hash, and a function that mails it. */
async function prepareEmailToken(env: Env, purpose: TokenPurpose, email: string, userId: string | null) {
  const token = randomId('ott', 32);
  const { ttlSeconds, subject, docs, call, action } = EMAIL_TOKENS[purpose];
  const statement = insertOneTimeTokenStatement(env.DB, {
    tokenHash: await sha256Hex(token),
    purpose,
    email,
    userId,
    expiresAt: isoIn(ttlSeconds),
  });
  const link = `${env.PUBLIC_BASE_URL}/docs#/${docs}`;
  const text = `To ${action}, send this token to ${call}:\n\n${token}\n\nHow, with curl and TypeScript samples: ${link}\n\nIf you did not ask for this, ignore this email.`;
  return { statement, send: () => mailerFor(env).send({ to: email, subject, text, token }) };
}

async function mailToken(env: Env, purpose: TokenPurpose, email: string, userId: string | null) {
  const { statement, send } = await prepareEmailToken(env, purpose, email, userId);
  await statement.run();
  await send();
}

const isUniqueEmailViolation = (error: unknown) => String(error).includes('UNIQUE constraint failed: users.email');

/** Creates an unverified password account and mails its verification token. */
export async function register(env: Env, input: z.infer<typeof zRegisterRequest>) {
  if (await findUserByEmail(env.DB, input.email)) throw ApiError.of('emailTaken');
  const user = {
    id: randomId('usr'),
    email: input.email,
    name: input.name,
    emailVerified: false,
    passwordHash: await hashPassword(input.password),
  };
  const verification = await prepareEmailToken(env, 'verify_email', input.email, user.id);
  try {
    await atomically(env.DB, [
      insertUserStatement(env.DB, user),
      insertAuthMethodStatement(env.DB, user.id, 'password'),
      verification.statement,
    ]);
  } catch (error) {
    // Two registrations racing for one address: the unique index decides.
    if (isUniqueEmailViolation(error)) throw ApiError.of('emailTaken');
    throw error;
  }
  await verification.send();
  return (await findUserById(env.DB, user.id)) as User;
}

/**
 * Confirms the address and nothing more. It hands out no session: whoever reads the mail may not be
 * whoever registered, and a session would let them use an account whose password someone else
 * chose (pre-registration takeover). They sign in with the password, or take the account over
 * properly with forgot-password, which replaces the password and ends every session.
 */
export async function verifyEmail(env: Env, token: string) {
  const used = await consumeOneTimeToken(env.DB, await sha256Hex(token), 'verify_email');
  if (!used?.userId) throw ApiError.of('invalidOneTimeToken');
  await markEmailVerified(env.DB, used.userId);
  return { message: 'Email verified; sign in to continue' };
}

/**
 * Wrong password and unknown email fail alike and take as long: without a user (or a password)
 * verifyPassword still runs a full derivation. Verification is checked only after the password,
 * so it reveals nothing to someone who does not know it.
 */
export async function login(env: Env, input: z.infer<typeof zLoginRequest>) {
  const login = await findPasswordLogin(env.DB, input.email);
  const passwordOk = await verifyPassword(input.password, login?.passwordHash);
  if (!login || !passwordOk) throw ApiError.of('invalidCredentials');
  if (!login.user.emailVerified) throw ApiError.of('emailNotVerified');
  return signIn(env, login.user.id);
}

/**
 * Mails a sign-in link to any address: unknown ones get an account when the link is used. Run after
 * the response (like forgotPassword), which is MAIL_ON_ITS_WAY either way.
 */
export async function mailMagicLink(env: Env, email: string) {
  const user = await findUserByEmail(env.DB, email);
  await mailToken(env, 'magic_link', email, user?.id ?? null);
}

/** Signs in with a magic link; the address is proven, so it is verified (or gets a new account). */
export async function verifyMagicLink(env: Env, token: string) {
  const used = await consumeOneTimeToken(env.DB, await sha256Hex(token), 'magic_link');
  if (!used) throw ApiError.of('invalidMagicLink');
  const user = await findUserByEmail(env.DB, used.email);
  if (user) return signIn(env, user.id, claimVerifiedEmailStatements(env.DB, user.id));
  const id = randomId('usr');
  try {
    return await signIn(env, id, [
      insertUserStatement(env.DB, { id, email: used.email, name: nameFromEmail(used.email), emailVerified: true, passwordHash: null }),
    ]);
  } catch (error) {
    // Two first links for one address used at once: the other one created the account, sign in to it.
    const created = isUniqueEmailViolation(error) ? await findUserByEmail(env.DB, used.email) : null;
    if (!created) throw error;
    return signIn(env, created.id, claimVerifiedEmailStatements(env.DB, created.id));
  }
}

/** A display name for accounts created without one: the address's local part. */
export const nameFromEmail = (email: string) => email.split('@')[0].slice(0, 100) || 'Loglane user';

/**
 * Mails a reset link to known addresses only. Run after the response, which is MAIL_ON_ITS_WAY
 * either way: answering only once the mail was sent took longer for known addresses than for
 * unknown ones, and so told them apart.
 */
export async function mailPasswordReset(env: Env, email: string) {
  const user = await findUserByEmail(env.DB, email);
  if (user) await mailToken(env, 'reset_password', user.email, user.id);
}

/**
 * Sets a new password from a reset token and signs out every session. The token proves the
 * address, so the email counts as verified, and a user without a password gains the method.
 */
export async function resetPassword(env: Env, input: z.infer<typeof zResetPasswordRequest>) {
  const passwordHash = await hashPassword(input.password);
  const used = await consumeOneTimeToken(env.DB, await sha256Hex(input.token), 'reset_password');
  if (!used?.userId) throw ApiError.of('invalidOneTimeToken');
  await endSessionsWith(env, used.userId, [
    setPasswordHashStatement(env.DB, used.userId, passwordHash),
    insertAuthMethodStatement(env.DB, used.userId, 'password'),
    markEmailVerifiedStatement(env.DB, used.userId),
  ]);
  return { message: 'Password updated; all sessions were signed out' };
}
