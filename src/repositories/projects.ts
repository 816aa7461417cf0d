import type { z } from 'zod';
import type { zProject, zUpdateProjectRequest } from '../../generated/zod/zod.gen';
import { atomically } from '../lib/db';

// SQL for projects. Every lookup by id also names the workspace, so a project id from another
// tenant under this workspace's path finds nothing.

export type Project = z.infer<typeof zProject>;
export type ProjectChanges = z.infer<typeof zUpdateProjectRequest>;

type ProjectRow = {
  id: string;
  workspace_id: string;
  name: string;
  slug: string;
  retention_days: number;
  created_at: string;
  updated_at: string;
};

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
export async function insertProject(db: D1Database, project: Project, logShard: string): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO projects (id, workspace_id, name, slug, retention_days, created_at, updated_at, log_shard) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (workspace_id, slug) DO NOTHING`,
    )
    .bind(
      project.id,
      project.workspaceId,
      project.name,
      project.slug,
      project.retentionDays,
      project.createdAt,
      project.updatedAt,
      logShard,
    )
    .run();
  return result.meta.changes > 0;
}

export async function findProjectInWorkspace(db: D1Database, workspaceId: string, projectId: string): Promise<Project | null> {
  const row = await db
    .prepare(`SELECT ${COLUMNS} FROM projects p WHERE p.id = ? AND p.workspace_id = ?`)
    .bind(projectId, workspaceId)
    .first<ProjectRow>();
  return row && toProject(row);
}

/** The project, if the user is a member of its workspace. */
export async function findProjectForMember(db: D1Database, userId: string, projectId: string): Promise<Project | null> {
  const row = await db
    .prepare(
      `SELECT ${COLUMNS} FROM projects p JOIN workspace_members m ON m.workspace_id = p.workspace_id AND m.user_id = ? WHERE p.id = ?`,
    )
    .bind(userId, projectId)
    .first<ProjectRow>();
  return row && toProject(row);
}

export async function listProjects(db: D1Database, workspaceId: string): Promise<Project[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM projects p WHERE p.workspace_id = ? ORDER BY p.created_at, p.id`)
    .bind(workspaceId)
    .all<ProjectRow>();
  return results.map(toProject);
}

/** Applies the given changes; null when the new slug is taken in the workspace (or the project is gone). */
export async function updateProject(
  db: D1Database,
  workspaceId: string,
  projectId: string,
  changes: ProjectChanges,
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

// Removing projects records them as deleted (with their log shard, for the background purge of
// their entries, fast-path objects and archives), then removes their API keys and the projects.
// Explicit rather than left to cascades, so a missing cascade can never leave a working key behind.
function deleteProjectsWhere(db: D1Database, condition: 'id = ?' | 'workspace_id = ?', value: string, now: string): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT OR IGNORE INTO deleted_projects (project_id, workspace_id, log_shard, deleted_at) SELECT id, workspace_id, log_shard, ? FROM projects WHERE ${condition}`,
      )
      .bind(now, value),
    db.prepare(`DELETE FROM api_keys WHERE project_id IN (SELECT id FROM projects WHERE ${condition})`).bind(value),
    db.prepare(`DELETE FROM projects WHERE ${condition}`).bind(value),
  ];
}

/** Deletes one project with its keys, atomically, and records it for the purge. */
export async function deleteProject(db: D1Database, projectId: string, now: string): Promise<void> {
  await atomically(db, deleteProjectsWhere(db, 'id = ?', projectId, now));
}

/** Statements deleting every project of a workspace with their keys (recorded for the purge); run them in one batch. */
export const deleteWorkspaceProjectsStatements = (db: D1Database, workspaceId: string, now: string) =>
  deleteProjectsWhere(db, 'workspace_id = ?', workspaceId, now);

/** The log shard of each of these projects that exists. */
export async function logShardsOf(db: D1Database, projectIds: string[]): Promise<Map<string, string>> {
  const { results } = await db
    .prepare('SELECT id, log_shard FROM projects WHERE id IN (SELECT value FROM json_each(?))')
    .bind(JSON.stringify(projectIds))
    .all<{ id: string; log_shard: string }>();
  return new Map(results.map((row) => [row.id, row.log_shard]));
}

/** The project's log shard, if it exists and, when a user is named, the user is a member of its workspace. */
export async function findLogShard(db: D1Database, projectId: string, memberUserId?: string): Promise<string | null> {
  const member = memberUserId === undefined ? '' : 'JOIN workspace_members m ON m.workspace_id = p.workspace_id AND m.user_id = ?2';
  const statement = db.prepare(`SELECT p.log_shard FROM projects p ${member} WHERE p.id = ?1`);
  return (memberUserId === undefined ? statement.bind(projectId) : statement.bind(projectId, memberUserId)).first<string>('log_shard');
}

// Deleted projects, until the purge has removed everything of theirs.

export type DeletedProject = { projectId: string; workspaceId: string; logShard: string; purged: boolean };

export async function findDeletedProject(db: D1Database, projectId: string): Promise<DeletedProject | null> {
  const row = await db
    .prepare('SELECT project_id, workspace_id, log_shard, purged_at FROM deleted_projects WHERE project_id = ?')
    .bind(projectId)
    .first<{ project_id: string; workspace_id: string; log_shard: string; purged_at: string | null }>();
  return row && { projectId: row.project_id, workspaceId: row.workspace_id, logShard: row.log_shard, purged: row.purged_at !== null };
}

/** Deleted projects of a workspace (or all) whose purge has not finished, oldest deletion first. */
export async function pendingPurges(db: D1Database, limit: number, workspaceId?: string): Promise<string[]> {
  const { results } = await db
    .prepare(
      'SELECT project_id FROM deleted_projects WHERE purged_at IS NULL AND (?1 IS NULL OR workspace_id = ?1) ORDER BY deleted_at LIMIT ?2',
    )
    .bind(workspaceId ?? null, limit)
    .all<{ project_id: string }>();
  return results.map((row) => row.project_id);
}

export async function markPurged(db: D1Database, projectId: string, now: string): Promise<void> {
  await db.prepare('UPDATE deleted_projects SET purged_at = ? WHERE project_id = ?').bind(now, projectId).run();
}

// Retention.

export type RetentionPolicy = { projectId: string; retentionDays: number; logShard: string };

/** Projects with their retention and shard, a page at a time (keyset on id). */
export async function retentionPolicies(db: D1Database, afterProjectId: string, limit: number): Promise<RetentionPolicy[]> {
  const { results } = await db
    .prepare('SELECT id, retention_days, log_shard FROM projects WHERE id > ? ORDER BY id LIMIT ?')
    .bind(afterProjectId, limit)
    .all<{ id: string; retention_days: number; log_shard: string }>();
  return results.map((row) => ({ projectId: row.id, retentionDays: row.retention_days, logShard: row.log_shard }));
}
