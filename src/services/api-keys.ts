// Project API keys: `sk_…` secrets shown once, stored as SHA-256 only. Each key's RateLimiter
// object knows whether it is live (loaded from D1 once, revoked there first), so a request checks
// the key and counts against its limit in one round trip, and a revoked key stops at once.
//
// A secret is `sk_<key id>_<32 random>_<tag>`: the tag is an HMAC of the rest under the Worker's
// secret, so a forged, random or mistyped key is refused by the Worker alone, before any storage
// or Durable Object work, and the key id addresses the key's object without a lookup.
import type { z } from 'zod';
import type { zCreateApiKeyRequest, zCreatedApiKey } from '../../generated/zod/zod.gen';
import { setNewest } from '../lib/bounded';
import { isoIn, nowIso } from '../lib/clock';
import { hmacHex, randomAlphanumerics, sha256Hex, timingSafeEqual } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import { log } from '../lib/log';
import { endApiKeys } from '../rate-limit/objects';
import type { LiveApiKey } from '../rate-limit/window';
import * as repo from '../repositories/api-keys';
import { projectInWorkspace } from './projects';

export type ApiKeyScope = repo.ApiKeyScope;

const KEY_ID_PREFIX = 'key';
const KEY_ID_LENGTH = 24;
// 32 random alphanumerics: ~190 bits, so a plain (unsalted) SHA-256 is enough to store it.
const SECRET_LENGTH = 32;
// 96 bits of HMAC-SHA256, as hex.
const TAG_LENGTH = 24;
const API_KEY_FORMAT = new RegExp(`^sk_([A-Za-z0-9]{${KEY_ID_LENGTH}})_[A-Za-z0-9]{${SECRET_LENGTH}}_([0-9a-f]{${TAG_LENGTH}})$`);
// What lists show to tell keys apart: "sk_" and five characters of the key id.
const VISIBLE_PREFIX_LENGTH = 8;
const LAST_USED_RESOLUTION_SECONDS = 60;

const tagOf = async (env: Env, untagged: string) => (await hmacHex(env.JWT_SECRET, `loglane api key\n${untagged}`)).slice(0, TAG_LENGTH);

/**
 * The key id a presented secret names, if the secret is shaped like ours and its tag is the
 * Worker's; undefined otherwise. Costs one HMAC and no I/O.
 */
export async function apiKeyIdOf(env: Env, secret: string): Promise<string | undefined> {
  if (taggedKeys.get(secret) === env.JWT_SECRET) return `${KEY_ID_PREFIX}_${secret.slice(3, 3 + KEY_ID_LENGTH)}`;
  const match = API_KEY_FORMAT.exec(secret);
  if (!match) return undefined;
  const expected = await tagOf(env, secret.slice(0, -(TAG_LENGTH + 1)));
  if (!timingSafeEqual(match[2], expected)) return undefined;
  setNewest(taggedKeys, secret, env.JWT_SECRET, TAGGED_KEYS_MAX);
  return `${KEY_ID_PREFIX}_${match[1]}`;
}

// Keys whose tag verified, per isolate, with the secret that tagged them (bounded, oldest out
// first): a busy key's next requests skip the HMAC. Only keys the Worker tagged get in, so a flood
// of forged ones cannot evict anything. Liveness is never remembered here: the key's object decides.
const TAGGED_KEYS_MAX = 10_000;
const taggedKeys = new Map<string, string>();

/** Creates a key for a project of the workspace; the only response that ever carries the secret. */
export async function createApiKey(
  env: Env,
  workspaceId: string,
  projectId: string,
  input: z.infer<typeof zCreateApiKeyRequest>,
): Promise<z.infer<typeof zCreatedApiKey>> {
  await projectInWorkspace(env, workspaceId, projectId);
  const idPart = randomAlphanumerics(KEY_ID_LENGTH);
  const id = `${KEY_ID_PREFIX}_${idPart}`;
  const untagged = `sk_${idPart}_${randomAlphanumerics(SECRET_LENGTH)}`;
  const secret = `${untagged}_${await tagOf(env, untagged)}`;
  const key: repo.ApiKey = {
    id,
    projectId,
    name: input.name,
    scopes: input.scopes,
    prefix: secret.slice(0, VISIBLE_PREFIX_LENGTH),
    createdAt: nowIso(),
    lastUsedAt: null,
  };
  await repo.insertApiKey(env.DB, key, await sha256Hex(secret));
  return { ...key, secret };
}

export async function listApiKeys(env: Env, workspaceId: string, projectId: string): Promise<repo.ApiKey[]> {
  await projectInWorkspace(env, workspaceId, projectId);
  return repo.listActiveApiKeys(env.DB, projectId);
}

/**
 * Revokes the key; the next request with it is refused. Revoking twice is 404: the key is gone.
 * Its object refuses it first: should the D1 write then fail, the key is refused but still listed,
 * and revoking again completes it.
 */
export async function revokeApiKey(
  env: Env,
  workspaceId: string,
  projectId: string,
  keyId: string,
): Promise<{ id: string; deleted: true }> {
  await projectInWorkspace(env, workspaceId, projectId);
  if (!(await repo.activeApiKeyIdsOf(env.DB, { projectId })).includes(keyId)) throw ApiError.of('notFound');
  await endApiKeys(env, [keyId]);
  if (!(await repo.revokeApiKey(env.DB, projectId, keyId, nowIso()))) throw ApiError.of('notFound');
  return { id: keyId, deleted: true };
}

/**
 * The live key with this secret, from D1; 401 "Invalid or revoked API key" otherwise. Only for
 * when the key's object did not answer (it is where keys are checked first).
 */
export async function authenticateApiKeyInD1(env: Env, keyId: string, secret: string): Promise<LiveApiKey> {
  const key = await repo.findApiKeyCredential(env.DB, keyId);
  if (!key || key.revoked || !timingSafeEqual(await sha256Hex(secret), key.secretHash)) throw ApiError.of('invalidApiKey');
  return { keyId, projectId: key.projectId, scopes: key.scopes };
}

// When this isolate last wrote each key's last_used_at: within the resolution, a busy key (one
// ingest request after another) costs no D1 write at all. Bounded; the oldest entry goes first.
// (Counted from this isolate's attempt, so with several isolates the column may lag up to twice
// the resolution.)
const TOUCHED_KEYS_MAX = 10_000;
const touchedAt = new Map<string, number>();

/**
 * Updates last_used_at at most once a minute per key: the write, to run past the response, or
 * undefined when this isolate wrote it within the minute (most requests of a busy key, which then
 * leave no background task at all). The write never fails: it logs.
 */
export function recordApiKeyUse(env: Env, keyId: string): Promise<void> | undefined {
  const now = Date.now();
  const last = touchedAt.get(keyId);
  if (last !== undefined && now - last < LAST_USED_RESOLUTION_SECONDS * 1000 && now >= last) return undefined;
  setNewest(touchedAt, keyId, now, TOUCHED_KEYS_MAX);
  return repo.touchApiKey(env.DB, keyId, nowIso(), isoIn(-LAST_USED_RESOLUTION_SECONDS)).then(
    () => undefined,
    (error) => {
      touchedAt.delete(keyId);
      log.warn('api_key_touch_failed', { keyId, error });
    },
  );
}
