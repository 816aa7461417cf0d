// How the Worker addresses RateLimiter objects: one per caller, named by what the caller is.
import { setNewest } from '../lib/bounded';
import { forgetApiKeys } from './admitted-keys';

type Caller = `ip:${string}` | `key:${string}` | `user:${string}` | `bucket:${string}`;

/** Object ids are a hash of the name, the same for every request: computed once per isolate (the last 10,000 callers). */
type Namespace = Env['RATE_LIMITER'];
const idsByNamespace = new WeakMap<Namespace, Map<Caller, DurableObjectId>>();
const REMEMBERED_IDS = 10_000;

function idOf(namespace: Namespace, caller: Caller): DurableObjectId {
  let ids = idsByNamespace.get(namespace);
  if (!ids) idsByNamespace.set(namespace, (ids = new Map()));
  let id = ids.get(caller);
  if (!id) setNewest(ids, caller, (id = namespace.idFromName(caller)), REMEMBERED_IDS);
  return id;
}

/** The object that counts (and, for a credential, knows the liveness of) `caller`. */
export const limiterOf = (env: Env, caller: Caller) => env.RATE_LIMITER.get(idOf(env.RATE_LIMITER, caller));

/** Makes the keys' objects refuse them: before revoking keys, or deleting a project or workspace with its keys, in D1. */
export async function endApiKeys(env: Env, keyIds: string[]): Promise<void> {
  await Promise.all(keyIds.map((keyId) => limiterOf(env, `key:${keyId}`).revokeApiKey(keyId)));
  // After the objects answered: an admission answered meanwhile cannot bring a key back.
  forgetApiKeys(env, keyIds);
}
