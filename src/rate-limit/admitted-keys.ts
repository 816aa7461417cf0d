// What API keys' RateLimiter objects last answered this isolate, per env (the bindings they were
// reached through): an ingest whose key was just admitted, with room left in its window, hands its
// queue messages to the key's object in its one admission round trip (see rateLimit).
import { setNewest } from '../lib/bounded';
import { timingSafeEqual } from '../lib/crypto';
import { type LiveApiKey, type RateLimitDecision, windowOf } from './window';

/** Per bucket the key was counted in: the window of its last answer, and the room left in it as far as this isolate knows. */
type Room = { windowStart: number; remaining: number };
type Admission = { key: LiveApiKey; secret: string; rooms: Map<string, Room> };

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
 * in its window (the least any answer of the window said: they arrive in any order), or (null)
 * that it refused the key.
 */
export function rememberAdmission(
  env: Env,
  { keyId, secret, bucket, now }: { keyId: string; secret: string; bucket: string; now: number },
  answer: { key: LiveApiKey; decision: RateLimitDecision } | null,
): void {
  if (!answer) {
    forgetApiKeys(env, [keyId]);
    return;
  }
  const admissions = admissionsOf(env);
  const known = admissions.get(keyId);
  const rooms = known?.secret === secret ? known.rooms : new Map<string, Room>();
  const windowStart = windowOf(now).start;
  const room = rooms.get(bucket);
  const remaining = room?.windowStart === windowStart ? Math.min(room.remaining, answer.decision.remaining) : answer.decision.remaining;
  rooms.set(bucket, { windowStart, remaining });
  setNewest(admissions, keyId, { key: answer.key, secret, rooms }, REMEMBERED_KEYS);
}

export function forgetApiKeys(env: Env, keyIds: string[]): void {
  const admissions = admissionsOf(env);
  for (const keyId of keyIds) admissions.delete(keyId);
}

/**
 * The key as its object last admitted it with this very secret, if a request of `bucket` in the
 * window of `now` left room in it, taking one of that room (the object's answer then corrects it);
 * otherwise undefined: ask the object first.
 */
export function takeRememberedRoom(
  env: Env,
  { keyId, secret, bucket, now }: { keyId: string; secret: string; bucket: string; now: number },
): LiveApiKey | undefined {
  const admission = admissionsOf(env).get(keyId);
  const room = admission?.rooms.get(bucket);
  if (!admission || !room || room.windowStart !== windowOf(now).start || room.remaining === 0) return undefined;
  if (!timingSafeEqual(secret, admission.secret)) return undefined;
  room.remaining -= 1;
  return admission.key;
}
