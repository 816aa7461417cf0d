import { createRouter } from '../../lib/operation';
import * as handlers from './invitations.handlers';
import {
  acceptInvitationRoute,
  createInvitationRoute,
  declineInvitationRoute,
  listInvitationsRoute,
  listMyInvitationsRoute,
  revokeInvitationRoute,
} from './invitations.routes';

export const invitationRoutes = createRouter()
  .openapi(createInvitationRoute, handlers.createInvitation)
  .openapi(listInvitationsRoute, handlers.listInvitations)
  .openapi(revokeInvitationRoute, handlers.revokeInvitation)
  .openapi(listMyInvitationsRoute, handlers.listMyInvitations)
  .openapi(acceptInvitationRoute, handlers.acceptInvitation)
  .openapi(declineInvitationRoute, handlers.declineInvitation);
