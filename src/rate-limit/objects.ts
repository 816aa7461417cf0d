// How the Worker addresses RateLimiter objects: one per caller, named by what the caller is.

/** The object that counts (and, for a credential, knows the liveness of) `caller`. */
export const limiterOf = (env: Env, caller: `ip:${string}` | `key:${string}` | `user:${string}` | `bucket:${string}`) =>
  env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(caller));

/** Makes the keys' objects refuse them: before revoking keys, or deleting a project or workspace with its keys, in D1. */
export async function endApiKeys(env: Env, keyIds: string[]): Promise<void> {
  await Promise.all(keyIds.map((keyId) => limiterOf(env, `key:${keyId}`).revokeApiKey(keyId)));
}
