import { inChunks } from '../lib/bounded';
import { atomically } from '../lib/db';

// SQL for projects. Every lookup by id also names the workspace, so a project id from another
// tenant under this workspace's path finds nothing.

export type Project = {
  id: string;
  workspaceId: string;
  name: string;
  slug: string;
  retentionDays: number;
  createdAt: string;
  updatedAt: string;
};

type ProjectRow = { id: string; workspace_id: string; name: string; slug: string; retention_days: number; created_at: string; updated_at: string };

const COLUMNS = 'p.id, p.workspace_id, p.name, p.slug, p.retention_days, p.created_at, p.updated_at';

const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  workspaceId: row.workspace_id,
  name: row.name,
  slug: row.slug,
  retentionDays: row.retention_days,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** false when the slug is already used in this workspace. */
export async function insertProject(db: D1Database, project: Project): Promise<boolean> {
  const result = await db
    .prepare(
      'INSERT INTO projects (id, workspace_id, name, slug, retention_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, slug) DO NOTHING',
    )
    .bind(project.id, project.workspaceId, project.name, project.slug, project.retentionDays, project.createdAt, project.updatedAt)
    .run();
  return result.meta.changes > 0;
}

export async function findProjectInWorkspace(db: D1Database, workspaceId: string, projectId: string): Promise<Project | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM projects p WHERE p.id = ? AND p.workspace_id = ?`).bind(projectId, workspaceId).first<ProjectRow>();
  return row && toProject(row);
}

/** The project, if the user is a member of its workspace. */
export async function findProjectForMember(db: D1Database, userId: string, projectId: string): Promise<Project | null> {
  const row = await db
    .prepare(`SELECT ${COLUMNS} FROM projects p JOIN workspace_members m ON m.workspace_id = p.workspace_id AND m.user_id = ? WHERE p.id = ?`)
    .bind(userId, projectId)
    .first<ProjectRow>();
  return row && toProject(row);
}

export async function listProjects(db: D1Database, workspaceId: string): Promise<Project[]> {
  const { results } = await db.prepare(`SELECT ${COLUMNS} FROM projects p WHERE p.workspace_id = ? ORDER BY p.created_at, p.id`).bind(workspaceId).all<ProjectRow>();
  return results.map(toProject);
}

/** Applies the given changes; null when the new slug is taken in the workspace (or the project is gone). */
export async function updateProject(
  db: D1Database,
  workspaceId: string,
  projectId: string,
  changes: { name?: string; slug?: string; retentionDays?: number },
  now: string,
): Promise<Project | null> {
  // OR IGNORE turns a slug collision into "no row updated" instead of an exception.
  const row = await db
    .prepare(
      `UPDATE OR IGNORE projects SET name = COALESCE(?, name), slug = COALESCE(?, slug), retention_days = COALESCE(?, retention_days), updated_at = ?
       WHERE id = ? AND workspace_id = ? RETURNING id, workspace_id, name, slug, retention_days, created_at, updated_at`,
    )
    .bind(changes.name ?? null, changes.slug ?? null, changes.retentionDays ?? null, now, projectId, workspaceId)
    .first<ProjectRow>();
  return row && toProject(row);
}

// Removing projects removes what hangs off them first: log entries (table of the logs migration)
// and API keys. Explicit rather than left to cascades, so a missing cascade can never leave a
// working key or readable logs behind.
function deleteProjectsWhere(db: D1Database, condition: 'id = ?' | 'workspace_id = ?', value: string): D1PreparedStatement[] {
  const projectIds = `SELECT id FROM projects WHERE ${condition}`;
  return [
    db.prepare(`DELETE FROM log_entries WHERE project_id IN (${projectIds})`).bind(value),
    db.prepare(`DELETE FROM api_keys WHERE project_id IN (${projectIds})`).bind(value),
    db.prepare(`DELETE FROM projects WHERE ${condition}`).bind(value),
  ];
}

/** Deletes one project with its keys and log entries, atomically. */
export async function deleteProject(db: D1Database, projectId: string): Promise<void> {
  await atomically(db, deleteProjectsWhere(db, 'id = ?', projectId));
}

/** Statements deleting every project of a workspace with their keys and log entries; run them in one batch. */
export const deleteWorkspaceProjectsStatements = (db: D1Database, workspaceId: string) => deleteProjectsWhere(db, 'workspace_id = ?', workspaceId);

// D1 binds at most 100 parameters per statement.
const IDS_PER_LOOKUP = 100;

/** Which of these project ids still exist. */
export async function existingProjectIds(db: D1Database, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const chunk of inChunks(ids, IDS_PER_LOOKUP)) {
    const { results } = await db
      .prepare(`SELECT id FROM projects WHERE id IN (${chunk.map(() => '?').join(', ')})`)
      .bind(...chunk)
      .all<{ id: string }>();
    for (const row of results) found.add(row.id);
  }
  return found;
}
