// What API keys' RateLimiter objects last answered this isolate, per env (the bindings they were
// reached through): an ingest whose key was just admitted, with room left in its window, hands its
// queue messages to the key's object in its one admission round trip (see rateLimit).
import { setNewest } from '../lib/bounded';
import { timingSafeEqual } from '../lib/crypto';
import { type LiveApiKey, type RateLimitDecision, windowOf } from './window';

type Admission = { key: LiveApiKey; secret: string; bucket: string; windowStart: number; remaining: number };

const admissionsByEnv = new WeakMap<Env, Map<string, Admission>>();
const REMEMBERED_KEYS = 10_000;

/**
 * The env a request came with: the same object for every request of an isolate, which a route
 * guard may extend per request (Object.create, to swap in its checked DB).
 */
function baseOf(env: Env): Env {
  let base = env;
  for (let parent = Object.getPrototypeOf(base); parent !== null && parent !== Object.prototype; parent = Object.getPrototypeOf(base))
    base = parent;
  return base;
}

function admissionsOf(env: Env): Map<string, Admission> {
  const base = baseOf(env);
  let admissions = admissionsByEnv.get(base);
  if (!admissions) admissionsByEnv.set(base, (admissions = new Map()));
  return admissions;
}

/**
 * Records a key object's answer to a request at `now` counted in `bucket`: the key and the room left
 * in its window, or (null) that it refused the key.
 */
export function rememberAdmission(
  env: Env,
  { keyId, secret, bucket, now }: { keyId: string; secret: string; bucket: string; now: number },
  answer: { key: LiveApiKey; decision: RateLimitDecision } | null,
): void {
  if (!answer) forgetApiKeys(env, [keyId]);
  else {
    const admission = { key: answer.key, secret, bucket, windowStart: windowOf(now).start, remaining: answer.decision.remaining };
    setNewest(admissionsOf(env), keyId, admission, REMEMBERED_KEYS);
  }
}

export function forgetApiKeys(env: Env, keyIds: string[]): void {
  const admissions = admissionsOf(env);
  for (const keyId of keyIds) admissions.delete(keyId);
}

/**
 * The key as its object last admitted it with this very secret, if that request was counted in
 * `bucket` in the window of `now` and left room in it; otherwise undefined (ask the object first).
 */
export function admittedWithRoom(
  env: Env,
  { keyId, secret, bucket, now }: { keyId: string; secret: string; bucket: string; now: number },
): LiveApiKey | undefined {
  const admission = admissionsOf(env).get(keyId);
  if (!admission || admission.bucket !== bucket || admission.windowStart !== windowOf(now).start || admission.remaining === 0)
    return undefined;
  return timingSafeEqual(secret, admission.secret) ? admission.key : undefined;
}
