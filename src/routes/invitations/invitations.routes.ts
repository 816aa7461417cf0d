import {
  zAcceptInvitationPath,
  zAcceptInvitationResponse,
  zCreateInvitationBody,
  zCreateInvitationPath,
  zCreateInvitationResponse,
  zDeclineInvitationPath,
  zDeclineInvitationResponse,
  zListInvitationsPath,
  zListInvitationsResponse,
  zListMyInvitationsResponse,
  zRevokeInvitationPath,
  zRevokeInvitationResponse,
} from '../../../generated/zod/zod.gen';
import { defineOperation, jsonBody } from '../../lib/operation';
import { requireUser } from '../../middleware/auth';

// Invitations: admins invite under /v1/workspaces/{workspaceId}/invitations, the invitee answers
// under /v1/me/invitations.
const security = [{ UserJwt: [] }];
const admins = { tag: 'Members', security, role: 'admin' as const };
const invitee = { tag: 'Me', security, middleware: [requireUser()] };

export const createInvitationRoute = defineOperation({
  method: 'post',
  path: '/v1/workspaces/{workspaceId}/invitations',
  operationId: 'createInvitation',
  ...admins,
  request: { params: zCreateInvitationPath, ...jsonBody(zCreateInvitationBody) },
  success: { status: 201, schema: zCreateInvitationResponse },
  errors: [400, 401, 403, 404, 409, 429, 500],
});

export const listInvitationsRoute = defineOperation({
  method: 'get',
  path: '/v1/workspaces/{workspaceId}/invitations',
  operationId: 'listInvitations',
  ...admins,
  request: { params: zListInvitationsPath },
  success: { status: 200, schema: zListInvitationsResponse },
  errors: [400, 401, 403, 404, 429, 500],
});

export const revokeInvitationRoute = defineOperation({
  method: 'delete',
  path: '/v1/workspaces/{workspaceId}/invitations/{invitationId}',
  operationId: 'revokeInvitation',
  ...admins,
  request: { params: zRevokeInvitationPath },
  success: { status: 200, schema: zRevokeInvitationResponse },
  errors: [400, 401, 403, 404, 429, 500],
});

export const listMyInvitationsRoute = defineOperation({
  method: 'get',
  path: '/v1/me/invitations',
  operationId: 'listMyInvitations',
  ...invitee,
  success: { status: 200, schema: zListMyInvitationsResponse },
  errors: [401, 429, 500],
});

export const acceptInvitationRoute = defineOperation({
  method: 'post',
  path: '/v1/me/invitations/{invitationId}/accept',
  operationId: 'acceptInvitation',
  ...invitee,
  request: { params: zAcceptInvitationPath },
  success: { status: 200, schema: zAcceptInvitationResponse },
  errors: [400, 401, 404, 429, 500],
});

export const declineInvitationRoute = defineOperation({
  method: 'post',
  path: '/v1/me/invitations/{invitationId}/decline',
  operationId: 'declineInvitation',
  ...invitee,
  request: { params: zDeclineInvitationPath },
  success: { status: 200, schema: zDeclineInvitationResponse },
  errors: [400, 401, 404, 429, 500],
});
