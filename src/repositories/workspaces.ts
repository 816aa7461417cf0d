// SQL for workspaces. Tenant checks are not made here: callers pass ids the role guard vouched for.
import type { z } from 'zod';
import type { zRole, zUpdateWorkspaceRequest, zWorkspace } from '../../generated/zod/zod.gen';
import { atomically } from '../lib/db';
import { deleteWorkspaceProjectsStatements } from './projects';

export type Role = z.infer<typeof zRole>;

/** A workspace as the API shows it to a member, with the member's role. */
export type WorkspaceView = z.infer<typeof zWorkspace>;
export type Workspace = Omit<WorkspaceView, 'role'>;
export type WorkspaceChanges = z.infer<typeof zUpdateWorkspaceRequest>;

type WorkspaceRow = { id: string; name: string; slug: string; created_at: string; updated_at: string };

const COLUMNS = 'w.id, w.name, w.slug, w.created_at, w.updated_at';

const toWorkspace = (row: WorkspaceRow): Workspace => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Creates the workspace and its owner together; false (and nothing written) when the slug is taken. */
export async function insertWorkspaceWithOwner(db: D1Database, workspace: Workspace, ownerId: string): Promise<boolean> {
  const [inserted] = await atomically(db, [
    db
      .prepare('INSERT INTO workspaces (id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING')
      .bind(workspace.id, workspace.name, workspace.slug, workspace.createdAt, workspace.updatedAt),
    // Inserts nothing when the workspace row was not written, so a taken slug fails cleanly.
    db
      .prepare(
        "INSERT INTO workspace_members (workspace_id, user_id, role, joined_at) SELECT id, ?, 'owner', created_at FROM workspaces WHERE id = ?",
      )
      .bind(ownerId, workspace.id),
  ]);
  return inserted.meta.changes > 0;
}

export async function findWorkspace(db: D1Database, id: string): Promise<Workspace | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM workspaces w WHERE w.id = ?`).bind(id).first<WorkspaceRow>();
  return row && toWorkspace(row);
}

/** The user's workspaces with the user's role in each, oldest first. */
export async function listWorkspacesOfUser(db: D1Database, userId: string): Promise<WorkspaceView[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS}, m.role FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = ? ORDER BY w.created_at, w.id`,
    )
    .bind(userId)
    .all<WorkspaceRow & { role: Role }>();
  return results.map((row) => ({ ...toWorkspace(row), role: row.role }));
}

/** Applies the given changes; null when the new slug belongs to another workspace. */
export async function updateWorkspace(db: D1Database, id: string, changes: WorkspaceChanges, now: string): Promise<Workspace | null> {
  // OR IGNORE turns a slug collision into "no row updated" instead of an exception.
  const row = await db
    .prepare(
      'UPDATE OR IGNORE workspaces SET name = COALESCE(?, name), slug = COALESCE(?, slug), updated_at = ? WHERE id = ? RETURNING id, name, slug, created_at, updated_at',
    )
    .bind(changes.name ?? null, changes.slug ?? null, now, id)
    .first<WorkspaceRow>();
  return row && toWorkspace(row);
}

/** Deletes the workspace with its projects (recorded for the purge of their logs), their keys, its members and invitations, atomically. */
export async function deleteWorkspace(db: D1Database, id: string, now: string): Promise<void> {
  await atomically(db, [
    ...deleteWorkspaceProjectsStatements(db, id, now),
    db.prepare('DELETE FROM workspace_members WHERE workspace_id = ?').bind(id),
    db.prepare('DELETE FROM invitations WHERE workspace_id = ?').bind(id),
    db.prepare('DELETE FROM workspaces WHERE id = ?').bind(id),
  ]);
}
