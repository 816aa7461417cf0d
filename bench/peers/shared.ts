// What every create contender does after its own parsing/validation: the same row, the same D1
// statement, the same id scheme. Only the framework around it differs.

export const INSERT_PROJECT =
  'INSERT INTO projects (id, workspace_id, name, slug, retention_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)';

/** The peers' own table (Loglane uses its migrations; same columns, same unique slug per workspace). */
export const PEER_SCHEMA = `CREATE TABLE IF NOT EXISTS projects (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  retention_days INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (workspace_id, slug)
)`;

export type NewProject = { name: string; slug: string; retentionDays?: number };

export function projectRow(workspaceId: string, input: NewProject) {
  const now = new Date().toISOString();
  return {
    id: `prj_${crypto.randomUUID().replaceAll('-', '')}`,
    workspaceId,
    name: input.name,
    slug: input.slug,
    retentionDays: input.retentionDays ?? 30,
    createdAt: now,
    updatedAt: now,
  };
}

export async function insertProject(db: D1Database, p: ReturnType<typeof projectRow>) {
  await db.prepare(INSERT_PROJECT).bind(p.id, p.workspaceId, p.name, p.slug, p.retentionDays, p.createdAt, p.updatedAt).run();
}
