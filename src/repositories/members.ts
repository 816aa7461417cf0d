// SQL for workspace membership. The owner's row is never changed or removed here except by a
// transfer; the statements say so in their WHERE clauses, so a race cannot get around it.
import { atomically } from '../lib/db';
import type { Role } from './workspaces';

export type Member = { userId: string; email: string; name: string; role: Role; joinedAt: string };

type MemberRow = { user_id: string; email: string; name: string; role: Role; joined_at: string };

const MEMBER_SELECT = 'SELECT m.user_id, u.email, u.name, m.role, m.joined_at FROM workspace_members m JOIN users u ON u.id = m.user_id';

const toMember = (row: MemberRow): Member => ({ userId: row.user_id, email: row.email, name: row.name, role: row.role, joinedAt: row.joined_at });

/** The user's role in the workspace, or null when they are not a member (or it does not exist). */
export async function findRole(db: D1Database, workspaceId: string, userId: string): Promise<Role | null> {
  return db.prepare('SELECT role FROM workspace_members WHERE workspace_id = ? AND user_id = ?').bind(workspaceId, userId).first<Role>('role');
}

export async function findMember(db: D1Database, workspaceId: string, userId: string): Promise<Member | null> {
  const row = await db.prepare(`${MEMBER_SELECT} WHERE m.workspace_id = ? AND m.user_id = ?`).bind(workspaceId, userId).first<MemberRow>();
  return row && toMember(row);
}

export async function listMembers(db: D1Database, workspaceId: string): Promise<Member[]> {
  const { results } = await db.prepare(`${MEMBER_SELECT} WHERE m.workspace_id = ? ORDER BY m.joined_at, m.user_id`).bind(workspaceId).all<MemberRow>();
  return results.map(toMember);
}

export async function findUserIdByEmail(db: D1Database, email: string): Promise<string | null> {
  // users.email is COLLATE NOCASE, so this matches however the address was typed.
  return db.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<string>('id');
}

/** false when the user is already a member. */
export async function insertMember(db: D1Database, workspaceId: string, userId: string, role: Role, joinedAt: string): Promise<boolean> {
  const result = await db
    .prepare('INSERT INTO workspace_members (workspace_id, user_id, role, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, user_id) DO NOTHING')
    .bind(workspaceId, userId, role, joinedAt)
    .run();
  return result.meta.changes > 0;
}

/** Changes a non-owner's role; false when there is no such non-owner member. */
export async function updateMemberRole(db: D1Database, workspaceId: string, userId: string, role: Exclude<Role, 'owner'>): Promise<boolean> {
  const result = await db
    .prepare("UPDATE workspace_members SET role = ? WHERE workspace_id = ? AND user_id = ? AND role != 'owner'")
    .bind(role, workspaceId, userId)
    .run();
  return result.meta.changes > 0;
}

/** Removes a non-owner; false when there is no such non-owner member. */
export async function deleteMember(db: D1Database, workspaceId: string, userId: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM workspace_members WHERE workspace_id = ? AND user_id = ? AND role != 'owner'").bind(workspaceId, userId).run();
  return result.meta.changes > 0;
}

/**
 * Makes `toUserId` the owner and the current owner an admin, atomically. The one-owner index
 * makes the batch fail rather than leave two owners if `fromUserId` is no longer the owner.
 */
export async function transferOwnership(db: D1Database, workspaceId: string, fromUserId: string, toUserId: string): Promise<void> {
  await atomically(db, [
    db.prepare("UPDATE workspace_members SET role = 'admin' WHERE workspace_id = ? AND user_id = ? AND role = 'owner'").bind(workspaceId, fromUserId),
    db.prepare("UPDATE workspace_members SET role = 'owner' WHERE workspace_id = ? AND user_id = ?").bind(workspaceId, toUserId),
  ]);
}
