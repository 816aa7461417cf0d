import { atomically } from '../lib/db';
import { ApiError } from '../lib/errors';
import {
  clearPasswordUnlessLinked,
  deleteAuthMethodUnlessLast,
  findUserById,
  listAuthMethods,
  toAuthMethod,
  toUser,
  updateUserName,
  type AuthMethodName,
} from '../repositories/users';

// The signed-in user's own profile and sign-in methods (/v1/me*).

export async function getProfile(env: Env, userId: string) {
  const user = await findUserById(env.DB, userId);
  // A valid token for a user who no longer exists is no credential.
  if (!user) throw ApiError.of('invalidToken');
  return toUser(user);
}

export async function updateProfile(env: Env, userId: string, input: { name: string }) {
  const user = await updateUserName(env.DB, userId, input.name);
  if (!user) throw ApiError.of('invalidToken');
  return toUser(user);
}

export const listMethods = async (env: Env, userId: string) => (await listAuthMethods(env.DB, userId)).map(toAuthMethod);

/** Removes a sign-in method, never the last one; removing the password also forgets its hash. */
export async function unlinkMethod(env: Env, userId: string, method: AuthMethodName) {
  const [deleted] = await atomically(env.DB, [deleteAuthMethodUnlessLast(env.DB, userId, method), clearPasswordUnlessLinked(env.DB, userId)]);
  if (deleted.results.length === 0) {
    const methods = await listAuthMethods(env.DB, userId);
    throw ApiError.of(methods.some((m) => m.method === method) ? 'lastAuthMethod' : 'notFound');
  }
  return listMethods(env, userId);
}
