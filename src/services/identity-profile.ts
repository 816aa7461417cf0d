import type { z } from 'zod';
import type { zUpdateMeRequest } from '../../generated/zod/zod.gen';
import { ApiError } from '../lib/errors';
import { type AuthMethodName, deleteAuthMethodUnlessLast, findUserById, listAuthMethods, updateUserName } from '../repositories/users';

// The signed-in user's own profile and sign-in methods (/v1/me*).

type UpdateMeRequest = z.infer<typeof zUpdateMeRequest>;

export async function getProfile(env: Env, userId: string) {
  const user = await findUserById(env.DB, userId);
  // A valid token for a user who no longer exists is no credential.
  if (!user) throw ApiError.of('invalidToken');
  return user;
}

export async function updateProfile(env: Env, userId: string, input: UpdateMeRequest) {
  const user = await updateUserName(env.DB, userId, input.name);
  if (!user) throw ApiError.of('invalidToken');
  return user;
}

export const listMethods = (env: Env, userId: string) => listAuthMethods(env.DB, userId);

/** Removes a sign-in method, never the last one; removing the password also forgets its hash. */
export async function unlinkMethod(env: Env, userId: string, method: AuthMethodName) {
  if (!(await deleteAuthMethodUnlessLast(env.DB, userId, method))) {
    const methods = await listAuthMethods(env.DB, userId);
    throw ApiError.of(methods.some((m) => m.method === method) ? 'lastAuthMethod' : 'notFound');
  }
  return listMethods(env, userId);
}
