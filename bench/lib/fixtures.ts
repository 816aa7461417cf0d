// Fixed identities and payloads shared by every run (reproducible: same ids, same bodies).

import { createHash, createHmac } from 'node:crypto';
import { sign } from 'hono/jwt';

export const JWT_SECRET = 'bench-only-secret-0123456789abcdef0123456789abcdef';
export const USER_ID = 'usr_bench0000000000000000001';
export const SESSION_ID = 'ses_bench0000000000000000001';
export const WORKSPACE_ID = 'ws_bench000000000000000000001';
export const PROJECT_ID = 'prj_bench00000000000000000001';
const KEY_ID_PART = 'BenchKey0000000000000001';
export const KEY_ID = `key_${KEY_ID_PART}`;
/** An API key (24-character id part, 32-character secret part), tagged as Loglane tags keys (src/services/api-keys.ts). */
export function taggedApiKey(keyIdPart: string, secretPart: string): string {
  const untagged = `sk_${keyIdPart}_${secretPart}`;
  return `${untagged}_${createHmac('sha256', JWT_SECRET).update(`loglane api key\n${untagged}`).digest('hex').slice(0, 24)}`;
}
/** The API key the bench ingests and queries with (both scopes). */
export const API_KEY = taggedApiKey(KEY_ID_PART, 'BenchSecretBenchSecretBench00001');
const API_KEY_HASH = createHash('sha256').update(API_KEY).digest('hex');

/** Vars every Loglane instance of the bench runs with: generous limits so that nothing is throttled. */
export const LOGLANE_VARS = {
  ENVIRONMENT: 'development',
  JWT_SECRET,
  JWT_ISSUER: 'loglane',
  JWT_AUDIENCE: 'loglane-api',
  CORS_ORIGINS: 'http://localhost:3000',
  PUBLIC_BASE_URL: 'http://127.0.0.1',
  RATE_LIMIT_AUTH_PER_MINUTE: '999999999', // the largest the middleware accepts (9 digits)
  RATE_LIMIT_API_PER_MINUTE: '999999999', // the largest the middleware accepts (9 digits)
  RATE_LIMIT_INGEST_PER_MINUTE: '999999999', // the largest the middleware accepts (9 digits)
  RATE_LIMIT_EMAIL_PER_MINUTE: '999999999', // the largest the middleware accepts (9 digits)
  LOG_SHARDS_OPEN: 'LOGS_0,LOGS_1',
};

/** A user access token as Loglane issues them (HS256, iss/aud, 1 hour so that a whole run fits). */
export async function userToken(secret = JWT_SECRET): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return sign(
    { sub: USER_ID, sid: SESSION_ID, sat: iat * 1000, iss: 'loglane', aud: 'loglane-api', iat, exp: iat + 3600 },
    secret,
    'HS256',
  );
}

export const CREATE_PATH = `/v1/workspaces/${WORKSPACE_ID}/projects`;
/** The create body every contender gets; the slug is unique per request (n counts up). */
export const createBody = (n: number) => `{"name":"Bench project","slug":"bench-${n.toString(36)}","retentionDays":30}`;

const LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'] as const;
export const logEntry = (n: number) => ({
  level: LEVELS[n % LEVELS.length],
  message: `GET /api/orders/${n % 997} answered 200 in ${n % 300} ms`,
  attributes: { route: '/api/orders/:id', status: 200, region: 'eu-west' },
});
export const ingestOne = (n: number) => JSON.stringify(logEntry(n));
export const ingestBatch = (n: number, size = 100) =>
  JSON.stringify({ entries: Array.from({ length: size }, (_, i) => logEntry(n * size + i)) });

/** SQL that seeds the bench tenant into a migrated Loglane D1 (user and session, workspace, membership, project, key). */
export function tenantSeedSql(now = new Date().toISOString()): string[] {
  return [
    `INSERT OR IGNORE INTO users (id, email, name, email_verified, password_hash, created_at, updated_at) VALUES ('${USER_ID}', 'bench@example.com', 'Bench', 1, NULL, '${now}', '${now}')`,
    `INSERT OR IGNORE INTO session_families (id, user_id, created_at) VALUES ('${SESSION_ID}', '${USER_ID}', '${now}')`,
    `INSERT OR IGNORE INTO workspaces (id, name, slug, created_at, updated_at) VALUES ('${WORKSPACE_ID}', 'Bench', 'bench', '${now}', '${now}')`,
    `INSERT OR IGNORE INTO workspace_members (workspace_id, user_id, role, joined_at) VALUES ('${WORKSPACE_ID}', '${USER_ID}', 'owner', '${now}')`,
    `INSERT OR IGNORE INTO projects (id, workspace_id, name, slug, retention_days, created_at, updated_at) VALUES ('${PROJECT_ID}', '${WORKSPACE_ID}', 'Bench', 'bench-main', 30, '${now}', '${now}')`,
    `INSERT OR IGNORE INTO api_keys (id, project_id, name, scopes, prefix, secret_hash, created_at, last_used_at) VALUES ('${KEY_ID}', '${PROJECT_ID}', 'bench', '["logs:write","logs:read"]', 'sk_Bench', '${API_KEY_HASH}', '${now}', NULL)`,
  ];
}
