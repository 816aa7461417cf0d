import { createRouter } from '../../lib/operation';
import * as handlers from './members.handlers';
import { listMembersRoute, removeMemberRoute, transferOwnershipRoute, updateMemberRoute } from './members.routes';

export const memberRoutes = createRouter()
  .openapi(listMembersRoute, handlers.listMembers)
  .openapi(updateMemberRoute, handlers.updateMember)
  .openapi(removeMemberRoute, handlers.removeMember)
  .openapi(transferOwnershipRoute, handlers.transferOwnership);
