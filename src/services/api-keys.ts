// Project API keys: `sk_…` secrets shown once, stored as SHA-256 only, checked against D1 on every
// request (never cached in KV, which is eventually consistent: a revoked key must stop at once).
import { setNewest } from '../lib/bounded';
import { isoIn, nowIso } from '../lib/clock';
import { randomId, sha256Hex } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import * as repo from '../repositories/api-keys';
import { projectInWorkspace } from './projects';

export type ApiKeyScope = repo.ApiKeyScope;

const SECRET_PREFIX = 'sk';
// 32 random alphanumerics: ~190 bits, so a plain (unsalted) SHA-256 is enough to store it.
const SECRET_LENGTH = 32;
// What lists show to tell keys apart: "sk_" and five characters of the secret.
const VISIBLE_PREFIX_LENGTH = 8;
const MAX_SECRET_LENGTH = 128;
const LAST_USED_RESOLUTION_SECONDS = 60;

/** Creates a key for a project of the workspace; the only response that ever carries the secret. */
export async function createApiKey(
  env: Env,
  workspaceId: string,
  projectId: string,
  input: { name: string; scopes: ApiKeyScope[] },
): Promise<repo.ApiKey & { secret: string }> {
  await projectInWorkspace(env, workspaceId, projectId);
  const secret = randomId(SECRET_PREFIX, SECRET_LENGTH);
  const key: repo.ApiKey = {
    id: randomId('key'),
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

/** Revokes the key; the next request with it is refused. Revoking twice is 404: the key is gone. */
export async function revokeApiKey(env: Env, workspaceId: string, projectId: string, keyId: string): Promise<{ id: string; deleted: true }> {
  await projectInWorkspace(env, workspaceId, projectId);
  if (!(await repo.revokeApiKey(env.DB, projectId, keyId, nowIso()))) throw ApiError.of('notFound');
  return { id: keyId, deleted: true };
}

/**
 * The working key with this secret; 401 "Invalid or revoked API key" otherwise. `hashOf` lets a
 * caller that already hashed the secret (the rate limiter keys on it) share that work.
 */
export async function authenticateApiKey(
  env: Env,
  secret: string,
  hashOf: (secret: string) => Promise<string> = sha256Hex,
): Promise<{ keyId: string; projectId: string; scopes: string[] }> {
  if (!secret.startsWith(`${SECRET_PREFIX}_`) || secret.length > MAX_SECRET_LENGTH) throw ApiError.of('invalidApiKey');
  const key = await repo.findActiveApiKeyByHash(env.DB, await hashOf(secret));
  if (!key) throw ApiError.of('invalidApiKey');
  return { keyId: key.id, projectId: key.projectId, scopes: key.scopes };
}

// When this isolate last wrote each key's last_used_at: within the resolution, a busy key (one
// ingest request after another) costs no D1 write at all. Bounded; the oldest entry goes first.
// (Counted from this isolate's attempt, so with several isolates the column may lag up to twice
// the resolution.)
const TOUCHED_KEYS_MAX = 10_000;
const touchedAt = new Map<string, number>();

/** Updates last_used_at, writing at most once a minute per key. Never fails: it runs after the response. */
export async function recordApiKeyUse(env: Env, keyId: string): Promise<void> {
  const now = Date.now();
  const last = touchedAt.get(keyId);
  if (last !== undefined && now - last < LAST_USED_RESOLUTION_SECONDS * 1000 && now >= last) return;
  setNewest(touchedAt, keyId, now, TOUCHED_KEYS_MAX);
  try {
    await repo.touchApiKey(env.DB, keyId, nowIso(), isoIn(-LAST_USED_RESOLUTION_SECONDS));
  } catch (error) {
    touchedAt.delete(keyId);
    console.error(JSON.stringify({ level: 'warn', event: 'api_key_touch_failed', keyId, error: String(error) }));
  }
}
