import type { z } from 'zod';
import type { zAuthMethod, zAuthMethodName, zUser } from '../../generated/zod/zod.gen';
import { nowIso } from '../lib/clock';
import { atomically } from '../lib/db';

// Users and their sign-in methods. `…Statement(s)` builders return prepared statements so that
// services can run several of them in one `atomically` batch; every other function runs its query.

/** The user as the API shows them: never the password hash. */
export type User = z.infer<typeof zUser>;
export type AuthMethodName = z.infer<typeof zAuthMethodName>;
export type AuthMethod = z.infer<typeof zAuthMethod>;

type UserRow = { id: string; email: string; name: string; email_verified: number; password_hash: string | null; created_at: string };
type AuthMethodRow = { method: AuthMethodName; linked_at: string };

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  emailVerified: row.email_verified === 1,
  createdAt: row.created_at,
});

const toAuthMethod = (row: AuthMethodRow): AuthMethod => ({ method: row.method, linkedAt: row.linked_at });

const USER_COLUMNS = 'id, email, name, email_verified, password_hash, created_at';

const findUser = async (statement: D1PreparedStatement) => {
  const row = await statement.first<UserRow>();
  return row && toUser(row);
};

export const findUserById = (db: D1Database, id: string): Promise<User | null> =>
  findUser(db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).bind(id));

/** The user with this address and their password hash (null without a password), for signing in. */
export async function findPasswordLogin(db: D1Database, email: string): Promise<{ user: User; passwordHash: string | null } | null> {
  // users.email is COLLATE NOCASE, so lookups ignore case.
  const row = await db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?`).bind(email).first<UserRow>();
  return row && { user: toUser(row), passwordHash: row.password_hash };
}

export const findUserByEmail = async (db: D1Database, email: string): Promise<User | null> =>
  (await findPasswordLogin(db, email))?.user ?? null;

// auth_methods shares no column name with USER_COLUMNS, so they need no table prefix.
export const findUserByProviderAccount = (db: D1Database, method: AuthMethodName, accountId: string): Promise<User | null> =>
  findUser(
    db
      .prepare(
        `SELECT ${USER_COLUMNS} FROM users JOIN auth_methods ON auth_methods.user_id = users.id WHERE auth_methods.method = ? AND auth_methods.provider_account_id = ?`,
      )
      .bind(method, accountId),
  );

export type NewUser = { id: string; email: string; name: string; emailVerified: boolean; passwordHash: string | null };

export const insertUserStatement = (db: D1Database, user: NewUser) => {
  const at = nowIso();
  return db
    .prepare('INSERT INTO users (id, email, name, email_verified, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .bind(user.id, user.email, user.name, user.emailVerified ? 1 : 0, user.passwordHash, at, at);
};

export const markEmailVerifiedStatement = (db: D1Database, userId: string) =>
  db.prepare('UPDATE users SET email_verified = 1, updated_at = ? WHERE id = ?').bind(nowIso(), userId);

export async function markEmailVerified(db: D1Database, userId: string): Promise<void> {
  await markEmailVerifiedStatement(db, userId).run();
}

/**
 * The address was proven some other way than the registration mail (magic link, OAuth): verify it,
 * and drop a password set while it was unverified, since whoever registered the address first may
 * not own it (pre-registration account takeover). The owner can set one with forgot-password.
 */
export const claimVerifiedEmailStatements = (db: D1Database, userId: string) => [
  db
    .prepare(
      "DELETE FROM auth_methods WHERE user_id = ? AND method = 'password' AND EXISTS (SELECT 1 FROM users WHERE id = ? AND email_verified = 0)",
    )
    .bind(userId, userId),
  db.prepare('UPDATE users SET password_hash = NULL WHERE id = ? AND email_verified = 0').bind(userId),
  markEmailVerifiedStatement(db, userId),
];

export const setPasswordHashStatement = (db: D1Database, userId: string, passwordHash: string) =>
  db.prepare('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?').bind(passwordHash, nowIso(), userId);

/** The renamed user; null when there is no such user. */
export const updateUserName = (db: D1Database, userId: string, name: string): Promise<User | null> =>
  findUser(db.prepare(`UPDATE users SET name = ?, updated_at = ? WHERE id = ? RETURNING ${USER_COLUMNS}`).bind(name, nowIso(), userId));

export async function listAuthMethods(db: D1Database, userId: string): Promise<AuthMethod[]> {
  const { results } = await db
    .prepare('SELECT method, linked_at FROM auth_methods WHERE user_id = ? ORDER BY linked_at, method')
    .bind(userId)
    .all<AuthMethodRow>();
  return results.map(toAuthMethod);
}

/** Links a method; linking one the user already has is a no-op. */
export const insertAuthMethodStatement = (
  db: D1Database,
  userId: string,
  method: AuthMethodName,
  providerAccountId: string | null = null,
) =>
  db
    .prepare(
      'INSERT INTO auth_methods (user_id, method, provider_account_id, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, method) DO NOTHING',
    )
    .bind(userId, method, providerAccountId, nowIso());

/**
 * Removes a method unless it is the user's last, in one statement so that two concurrent unlinks
 * cannot leave the user with none, and forgets the password hash once the password method is gone,
 * in the same batch. False when nothing was removed.
 */
export async function deleteAuthMethodUnlessLast(db: D1Database, userId: string, method: AuthMethodName): Promise<boolean> {
  const [deleted] = await atomically(db, [
    db
      .prepare(
        'DELETE FROM auth_methods WHERE user_id = ?1 AND method = ?2 AND (SELECT COUNT(*) FROM auth_methods WHERE user_id = ?1) > 1 RETURNING method',
      )
      .bind(userId, method),
    db
      .prepare(
        "UPDATE users SET password_hash = NULL, updated_at = ?2 WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM auth_methods WHERE user_id = ?1 AND method = 'password')",
      )
      .bind(userId, nowIso()),
  ]);
  return deleted.results.length > 0;
}
