import {
  zListMembersPath,
  zListMembersResponse,
  zRemoveMemberPath,
  zRemoveMemberResponse,
  zTransferOwnershipBody,
  zTransferOwnershipPath,
  zTransferOwnershipResponse,
  zUpdateMemberBody,
  zUpdateMemberPath,
  zUpdateMemberResponse,
} from '../../../generated/zod/zod.gen';
import { defineOperation, jsonBody } from '../../lib/operation';

// /v1/workspaces/{workspaceId}/members and ownership transfer.
const tag = 'Members';
const security = [{ UserJwt: [] }];

export const listMembersRoute = defineOperation({
  method: 'get',
  path: '/v1/workspaces/{workspaceId}/members',
  operationId: 'listMembers',
  tag,
  security,
  role: 'member',
  request: { params: zListMembersPath },
  success: { status: 200, schema: zListMembersResponse },
  errors: [400, 401, 404, 429, 500],
});

export const updateMemberRoute = defineOperation({
  method: 'patch',
  path: '/v1/workspaces/{workspaceId}/members/{userId}',
  operationId: 'updateMember',
  tag,
  security,
  role: 'admin',
  request: { params: zUpdateMemberPath, ...jsonBody(zUpdateMemberBody) },
  success: { status: 200, schema: zUpdateMemberResponse },
  errors: [400, 401, 403, 404, 429, 500],
});

export const removeMemberRoute = defineOperation({
  method: 'delete',
  path: '/v1/workspaces/{workspaceId}/members/{userId}',
  operationId: 'removeMember',
  tag,
  security,
  // Admins remove anyone but the owner; every member may remove themselves (leave).
  role: 'admin',
  roleOptions: { orSelf: true },
  request: { params: zRemoveMemberPath },
  success: { status: 200, schema: zRemoveMemberResponse },
  errors: [400, 401, 403, 404, 429, 500],
});

export const transferOwnershipRoute = defineOperation({
  method: 'post',
  path: '/v1/workspaces/{workspaceId}/transfer-ownership',
  operationId: 'transferOwnership',
  tag,
  security,
  role: 'owner',
  roleOptions: { denied: 'onlyOwnerCanTransfer' },
  request: { params: zTransferOwnershipPath, ...jsonBody(zTransferOwnershipBody) },
  success: { status: 200, schema: zTransferOwnershipResponse },
  errors: [400, 401, 403, 404, 429, 500],
});
