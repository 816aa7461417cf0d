import { nowIso } from '../lib/clock';

// Users and their sign-in methods. Statement builders return prepared statements so that services
// can run several of them in one `atomically` batch.

export type UserRow = {
  id: string;
  email: string;
  name: string;
  email_verified: number;
  password_hash: string | null;
  created_at: string;
  updated_at: string;
};

export type AuthMethodName = 'password' | 'github' | 'google';
export type AuthMethodRow = { method: AuthMethodName; provider_account_id: string | null; linked_at: string };

/** The user as the API shows them: never the password hash. */
export const toUser = (row: UserRow) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  emailVerified: row.email_verified === 1,
  createdAt: row.created_at,
});

/** The auth method as the API shows it: the method and when it was linked. */
export const toAuthMethod = (row: AuthMethodRow) => ({ method: row.method, linkedAt: row.linked_at });

export const findUserById = (db: D1Database, id: string) => db.prepare('SELECT * FROM users WHERE id = ?').bind(id).first<UserRow>();

// users.email is COLLATE NOCASE, so lookups ignore case.
export const findUserByEmail = (db: D1Database, email: string) => db.prepare('SELECT * FROM users WHERE email = ?').bind(email).first<UserRow>();

export const findUserByProviderAccount = (db: D1Database, method: AuthMethodName, accountId: string) =>
  db
    .prepare('SELECT users.* FROM users JOIN auth_methods ON auth_methods.user_id = users.id WHERE auth_methods.method = ? AND auth_methods.provider_account_id = ?')
    .bind(method, accountId)
    .first<UserRow>();

export type NewUser = { id: string; email: string; name: string; emailVerified: boolean; passwordHash: string | null };

export const insertUser = (db: D1Database, user: NewUser) => {
  const at = nowIso();
  return db
    .prepare('INSERT INTO users (id, email, name, email_verified, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .bind(user.id, user.email, user.name, user.emailVerified ? 1 : 0, user.passwordHash, at, at);
};

export const markEmailVerified = (db: D1Database, userId: string) =>
  db.prepare('UPDATE users SET email_verified = 1, updated_at = ? WHERE id = ?').bind(nowIso(), userId);

/**
 * The address was proven some other way than the registration mail (magic link, OAuth): verify it,
 * and drop a password set while it was unverified, since whoever registered the address first may
 * not own it (pre-registration account takeover). The owner can set one with forgot-password.
 */
export const claimVerifiedEmail = (db: D1Database, userId: string) => [
  db
    .prepare("DELETE FROM auth_methods WHERE user_id = ? AND method = 'password' AND EXISTS (SELECT 1 FROM users WHERE id = ? AND email_verified = 0)")
    .bind(userId, userId),
  db.prepare('UPDATE users SET password_hash = NULL WHERE id = ? AND email_verified = 0').bind(userId),
  markEmailVerified(db, userId),
];

export const setPasswordHash = (db: D1Database, userId: string, passwordHash: string) =>
  db.prepare('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?').bind(passwordHash, nowIso(), userId);

export const updateUserName = (db: D1Database, userId: string, name: string) =>
  db.prepare('UPDATE users SET name = ?, updated_at = ? WHERE id = ? RETURNING *').bind(name, nowIso(), userId).first<UserRow>();

export const listAuthMethods = (db: D1Database, userId: string) =>
  db
    .prepare('SELECT method, provider_account_id, linked_at FROM auth_methods WHERE user_id = ? ORDER BY linked_at, method')
    .bind(userId)
    .all<AuthMethodRow>()
    .then((result) => result.results);

/** Links a method; linking one the user already has is a no-op. */
export const insertAuthMethod = (db: D1Database, userId: string, method: AuthMethodName, providerAccountId: string | null = null) =>
  db
    .prepare('INSERT INTO auth_methods (user_id, method, provider_account_id, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, method) DO NOTHING')
    .bind(userId, method, providerAccountId, nowIso());

/**
 * Removes a method unless it is the user's last, in one statement so that two concurrent unlinks
 * cannot leave the user with none. Returns the removed method, or null.
 */
export const deleteAuthMethodUnlessLast = (db: D1Database, userId: string, method: AuthMethodName) =>
  db
    .prepare(
      'DELETE FROM auth_methods WHERE user_id = ?1 AND method = ?2 AND (SELECT COUNT(*) FROM auth_methods WHERE user_id = ?1) > 1 RETURNING method',
    )
    .bind(userId, method);

/** Forgets the password hash once the password method is gone. */
export const clearPasswordUnlessLinked = (db: D1Database, userId: string) =>
  db
    .prepare(
      "UPDATE users SET password_hash = NULL, updated_at = ?2 WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM auth_methods WHERE user_id = ?1 AND method = 'password')",
    )
    .bind(userId, nowIso());
