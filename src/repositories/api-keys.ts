// SQL for project API keys. Only the SHA-256 of a secret is ever stored.
import type { z } from 'zod';
import type { zApiKey, zApiKeyScope } from '../../generated/zod/zod.gen';

export type ApiKeyScope = z.infer<typeof zApiKeyScope>;
export type ApiKey = z.infer<typeof zApiKey>;

type ApiKeyRow = {
  id: string;
  project_id: string;
  name: string;
  scopes: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
};

const COLUMNS = 'id, project_id, name, scopes, prefix, created_at, last_used_at';

const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  scopes: JSON.parse(row.scopes),
  prefix: row.prefix,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

export async function insertApiKey(db: D1Database, key: ApiKey, secretHash: string): Promise<void> {
  await db
    .prepare(
      'INSERT INTO api_keys (id, project_id, name, scopes, prefix, secret_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)',
    )
    .bind(key.id, key.projectId, key.name, JSON.stringify(key.scopes), key.prefix, secretHash, key.createdAt)
    .run();
}

/** The project's keys that still work, oldest first. Revoked keys are gone as far as the API is concerned. */
export async function listActiveApiKeys(db: D1Database, projectId: string): Promise<ApiKey[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM api_keys WHERE project_id = ? AND revoked_at IS NULL ORDER BY created_at, id`)
    .bind(projectId)
    .all<ApiKeyRow>();
  return results.map(toApiKey);
}

/** What authenticating a key needs; null when no key has this id (never created, or its project was deleted). */
export async function findApiKeyCredential(
  db: D1Database,
  keyId: string,
): Promise<{ projectId: string; scopes: ApiKeyScope[]; secretHash: string; revoked: boolean } | null> {
  const row = await db
    .prepare('SELECT project_id, scopes, secret_hash, revoked_at FROM api_keys WHERE id = ?')
    .bind(keyId)
    .first<{ project_id: string; scopes: string; secret_hash: string; revoked_at: string | null }>();
  return (
    row && { projectId: row.project_id, scopes: JSON.parse(row.scopes), secretHash: row.secret_hash, revoked: row.revoked_at !== null }
  );
}

/** The ids of the working keys of a project, or of every project of a workspace. */
export async function activeApiKeyIdsOf(db: D1Database, owner: { projectId: string } | { workspaceId: string }): Promise<string[]> {
  const statement =
    'projectId' in owner
      ? db.prepare('SELECT id FROM api_keys WHERE project_id = ? AND revoked_at IS NULL').bind(owner.projectId)
      : db
          .prepare('SELECT id FROM api_keys WHERE revoked_at IS NULL AND project_id IN (SELECT id FROM projects WHERE workspace_id = ?)')
          .bind(owner.workspaceId);
  return (await statement.all<{ id: string }>()).results.map((row) => row.id);
}

/** Whether the key still works (an open live tail asks again at every heartbeat). */
export const isActiveApiKey = async (db: D1Database, keyId: string) =>
  (await db.prepare('SELECT 1 FROM api_keys WHERE id = ? AND revoked_at IS NULL').bind(keyId).first()) !== null;

/** Revokes a working key of the project; false when there is none with that id. */
export async function revokeApiKey(db: D1Database, projectId: string, keyId: string, now: string): Promise<boolean> {
  const result = await db
    .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND project_id = ? AND revoked_at IS NULL')
    .bind(now, keyId, projectId)
    .run();
  return result.meta.changes > 0;
}

/** Records a use, writing only when the stored time is older than `staleBefore` (at most once a minute). */
export async function touchApiKey(db: D1Database, keyId: string, now: string, staleBefore: string): Promise<void> {
  await db
    // Not a revoked key's: a use recorded after its object admitted the request may land after a revocation.
    .prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < ?)')
    .bind(now, keyId, staleBefore)
    .run();
}
