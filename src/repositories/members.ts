// SQL for workspace membership. The owner's row is never changed or removed here except by a
// transfer; the statements say so in their WHERE clauses, so a race cannot get around it.
import type { z } from 'zod';
import type { zAssignableRole, zMember } from '../../generated/zod/zod.gen';
import { atomically } from '../lib/db';
import type { Role } from './workspaces';

export type Member = z.infer<typeof zMember>;
/** Every role but the owner's, which only a transfer hands on. */
export type AssignableRole = z.infer<typeof zAssignableRole>;

type MemberRow = { user_id: string; email: string; name: string; role: Role; joined_at: string };

const MEMBER_SELECT = 'SELECT m.user_id, u.email, u.name, m.role, m.joined_at FROM workspace_members m JOIN users u ON u.id = m.user_id';

const toMember = (row: MemberRow): Member => ({
  userId: row.user_id,
  email: row.email,
  name: row.name,
  role: row.role,
  joinedAt: row.joined_at,
});

/** The user's role in the workspace, or null when they are not a member (or it does not exist). */
export async function findRole(db: D1Database, workspaceId: string, userId: string): Promise<Role | null> {
  return db
    .prepare('SELECT role FROM workspace_members WHERE workspace_id = ? AND user_id = ?')
    .bind(workspaceId, userId)
    .first<Role>('role');
}

export async function findMember(db: D1Database, workspaceId: string, userId: string): Promise<Member | null> {
  const row = await db.prepare(`${MEMBER_SELECT} WHERE m.workspace_id = ? AND m.user_id = ?`).bind(workspaceId, userId).first<MemberRow>();
  return row && toMember(row);
}

export async function listMembers(db: D1Database, workspaceId: string): Promise<Member[]> {
  const { results } = await db
    .prepare(`${MEMBER_SELECT} WHERE m.workspace_id = ? ORDER BY m.joined_at, m.user_id`)
    .bind(workspaceId)
    .all<MemberRow>();
  return results.map(toMember);
}

/** Changes a non-owner's role; false when there is no such non-owner member. */
export async function updateMemberRole(db: D1Database, workspaceId: string, userId: string, role: AssignableRole): Promise<boolean> {
  const result = await db
    .prepare("UPDATE workspace_members SET role = ? WHERE workspace_id = ? AND user_id = ? AND role != 'owner'")
    .bind(role, workspaceId, userId)
    .run();
  return result.meta.changes > 0;
}

/** Removes a non-owner; false when there is no such non-owner member. */
export async function deleteMember(db: D1Database, workspaceId: string, userId: string): Promise<boolean> {
  const result = await db
    .prepare("DELETE FROM workspace_members WHERE workspace_id = ? AND user_id = ? AND role != 'owner'")
    .bind(workspaceId, userId)
    .run();
  return result.meta.changes > 0;
}

/**
 * Makes `toUserId` the owner and `fromUserId` an admin in one batch (one transaction) whose
 * statements each check what they rely on when they run: the demotion needs `fromUserId` to be
 * the owner and `toUserId` a member at that moment, the promotion needs the workspace to have no
 * owner. So a removal racing the transfer leaves the old owner in place, never a workspace without
 * one. True when ownership moved (one row demoted, one promoted).
 */
export async function transferOwnership(db: D1Database, workspaceId: string, fromUserId: string, toUserId: string): Promise<boolean> {
  const [demoted, promoted] = await atomically(db, [
    db
      .prepare(
        "UPDATE workspace_members SET role = 'admin' WHERE workspace_id = ?1 AND user_id = ?2 AND role = 'owner' AND EXISTS (SELECT 1 FROM workspace_members WHERE workspace_id = ?1 AND user_id = ?3)",
      )
      .bind(workspaceId, fromUserId, toUserId),
    db
      .prepare(
        "UPDATE workspace_members SET role = 'owner' WHERE workspace_id = ?1 AND user_id = ?2 AND NOT EXISTS (SELECT 1 FROM workspace_members WHERE workspace_id = ?1 AND role = 'owner')",
      )
      .bind(workspaceId, toUserId),
  ]);
  return demoted.meta.changes === 1 && promoted.meta.changes === 1;
}
