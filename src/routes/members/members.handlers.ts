import { success } from '../../lib/envelope';
import type { RouteHandler } from '../../lib/openapi-runtime';
import { currentMembership } from '../../middleware/authorization';
import * as members from '../../services/members';
import type { AppEnv } from '../../types';
import type { listMembersRoute, removeMemberRoute, transferOwnershipRoute, updateMemberRoute } from './members.routes';

export const listMembers: RouteHandler<typeof listMembersRoute, AppEnv> = async (c) =>
  c.json(success(await members.listMembers(c.env, currentMembership(c).workspaceId)), 200);

export const updateMember: RouteHandler<typeof updateMemberRoute, AppEnv> = async (c) =>
  c.json(
    success(await members.changeRole(c.env, currentMembership(c).workspaceId, c.req.valid('param').userId, c.req.valid('json').role)),
    200,
  );

export const removeMember: RouteHandler<typeof removeMemberRoute, AppEnv> = async (c) =>
  c.json(success(await members.removeMember(c.env, currentMembership(c).workspaceId, c.req.valid('param').userId)), 200);

export const transferOwnership: RouteHandler<typeof transferOwnershipRoute, AppEnv> = async (c) =>
  c.json(success(await members.transferOwnership(c.env, currentMembership(c), c.req.valid('json').userId)), 200);
