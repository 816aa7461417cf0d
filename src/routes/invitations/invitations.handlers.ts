import { success } from '../../lib/envelope';
import type { RouteHandler } from '../../lib/openapi-runtime';
import { currentUserId } from '../../middleware/auth';
import { currentMembership } from '../../middleware/authorization';
import * as invitations from '../../services/invitations';
import type { AppEnv } from '../../types';
import type {
  acceptInvitationRoute,
  createInvitationRoute,
  declineInvitationRoute,
  listInvitationsRoute,
  listMyInvitationsRoute,
  revokeInvitationRoute,
} from './invitations.routes';

export const createInvitation: RouteHandler<typeof createInvitationRoute, AppEnv> = async (c) =>
  c.json(success(await invitations.invite(c.env, currentMembership(c).workspaceId, c.req.valid('json'))), 201);

export const listInvitations: RouteHandler<typeof listInvitationsRoute, AppEnv> = async (c) =>
  c.json(success(await invitations.listForWorkspace(c.env, currentMembership(c).workspaceId)), 200);

export const revokeInvitation: RouteHandler<typeof revokeInvitationRoute, AppEnv> = async (c) =>
  c.json(success(await invitations.revoke(c.env, currentMembership(c).workspaceId, c.req.valid('param').invitationId)), 200);

export const listMyInvitations: RouteHandler<typeof listMyInvitationsRoute, AppEnv> = async (c) =>
  c.json(success(await invitations.listForUser(c.env, currentUserId(c))), 200);

export const acceptInvitation: RouteHandler<typeof acceptInvitationRoute, AppEnv> = async (c) =>
  c.json(success(await invitations.accept(c.env, currentUserId(c), c.req.valid('param').invitationId)), 200);

export const declineInvitation: RouteHandler<typeof declineInvitationRoute, AppEnv> = async (c) =>
  c.json(success(await invitations.decline(c.env, currentUserId(c), c.req.valid('param').invitationId)), 200);
