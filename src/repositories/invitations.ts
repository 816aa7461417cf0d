// SQL for workspace invitations. An invitation is open while its row exists and expires_at is
// ahead; accepting, declining and revoking delete it. Only the person who proved the address (a
// user with that email, verified) can see, accept or decline it.
import type { z } from 'zod';
import type { zInvitation } from '../../generated/zod/zod.gen';
import { atomically } from '../lib/db';
import type { AssignableRole } from './members';

export type Invitation = z.infer<typeof zInvitation>;

type InvitationRow = {
  id: string;
  workspace_id: string;
  workspace_name: string;
  email: string;
  role: AssignableRole;
  created_at: string;
  expires_at: string;
};

const SELECT =
  'SELECT i.id, i.workspace_id, w.name AS workspace_name, i.email, i.role, i.created_at, i.expires_at FROM invitations i JOIN workspaces w ON w.id = i.workspace_id';

const toInvitation = (row: InvitationRow): Invitation => ({
  id: row.id,
  workspaceId: row.workspace_id,
  workspaceName: row.workspace_name,
  email: row.email,
  role: row.role,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

const all = async (statement: D1PreparedStatement) => (await statement.all<InvitationRow>()).results.map(toInvitation);

/**
 * Invites the address, or renews its invitation (role and expiry). Null, and nothing written, when
 * the address belongs to a member already.
 */
export async function upsertInvitation(db: D1Database, invitation: Omit<Invitation, 'workspaceName'>): Promise<Invitation | null> {
  const id = await db
    .prepare(
      `INSERT INTO invitations (id, workspace_id, email, role, created_at, expires_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6
       WHERE NOT EXISTS (SELECT 1 FROM workspace_members m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ?2 AND u.email = ?3)
       ON CONFLICT (workspace_id, email) DO UPDATE SET role = excluded.role, created_at = excluded.created_at, expires_at = excluded.expires_at
       RETURNING id`,
    )
    .bind(invitation.id, invitation.workspaceId, invitation.email, invitation.role, invitation.createdAt, invitation.expiresAt)
    .first<string>('id');
  if (!id) return null;
  const row = await db.prepare(`${SELECT} WHERE i.id = ?`).bind(id).first<InvitationRow>();
  return row && toInvitation(row);
}

export const listWorkspaceInvitations = (db: D1Database, workspaceId: string, now: string) =>
  all(db.prepare(`${SELECT} WHERE i.workspace_id = ? AND i.expires_at > ? ORDER BY i.created_at, i.id`).bind(workspaceId, now));

export const listUserInvitations = (db: D1Database, userId: string, now: string) =>
  all(
    db
      .prepare(
        `${SELECT} JOIN users u ON u.email = i.email WHERE u.id = ? AND u.email_verified = 1 AND i.expires_at > ? ORDER BY i.created_at, i.id`,
      )
      .bind(userId, now),
  );

/** Withdraws an invitation of the workspace; false when it has none with that id. */
export async function deleteWorkspaceInvitation(db: D1Database, workspaceId: string, invitationId: string): Promise<boolean> {
  const result = await db.prepare('DELETE FROM invitations WHERE id = ? AND workspace_id = ?').bind(invitationId, workspaceId).run();
  return result.meta.changes > 0;
}

// An open invitation (?1) addressed to the verified email of the user (?2), at ?3.
const ADDRESSED_TO_USER = 'i.id = ?1 AND i.expires_at > ?3 AND i.email = (SELECT email FROM users WHERE id = ?2 AND email_verified = 1)';

/**
 * Makes the user a member with the invited role and removes the invitation, in one batch. Returns
 * the workspace id, or null (nothing written) when no open invitation with that id is addressed
 * to the user. Already a member: the membership stays as it is.
 */
export async function acceptInvitation(db: D1Database, invitationId: string, userId: string, now: string): Promise<string | null> {
  const [, taken] = await atomically(db, [
    db
      .prepare(
        `INSERT INTO workspace_members (workspace_id, user_id, role, joined_at)
         SELECT i.workspace_id, ?2, i.role, ?3 FROM invitations i WHERE ${ADDRESSED_TO_USER}
         ON CONFLICT (workspace_id, user_id) DO NOTHING`,
      )
      .bind(invitationId, userId, now),
    db.prepare(`DELETE FROM invitations AS i WHERE ${ADDRESSED_TO_USER} RETURNING workspace_id`).bind(invitationId, userId, now),
  ]);
  return (taken.results[0] as { workspace_id: string } | undefined)?.workspace_id ?? null;
}

/** Removes an open invitation addressed to the user; false when there is none with that id. */
export async function declineInvitation(db: D1Database, invitationId: string, userId: string, now: string): Promise<boolean> {
  const result = await db.prepare(`DELETE FROM invitations AS i WHERE ${ADDRESSED_TO_USER}`).bind(invitationId, userId, now).run();
  return result.meta.changes > 0;
}
