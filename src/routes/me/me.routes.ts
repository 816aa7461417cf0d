import {
  zGetMeResponse,
  zListAuthMethodsResponse,
  zUnlinkAuthMethodPath,
  zUnlinkAuthMethodResponse,
  zUpdateMeBody,
  zUpdateMeResponse,
} from '../../../generated/zod/zod.gen';
import { defineOperation, jsonBody } from '../../lib/operation';
import { requireUser } from '../../middleware/auth';

// /v1/me*: the signed-in user and their sign-in methods.

const signedIn = { security: [{ UserJwt: [] }], middleware: [requireUser()] };

export const getMeRoute = defineOperation({
  method: 'get',
  path: '/v1/me',
  operationId: 'getMe',
  tag: 'Me',
  ...signedIn,
  success: { status: 200, schema: zGetMeResponse },
  errors: [401, 429, 500],
});

export const updateMeRoute = defineOperation({
  method: 'patch',
  path: '/v1/me',
  operationId: 'updateMe',
  tag: 'Me',
  ...signedIn,
  request: jsonBody(zUpdateMeBody),
  success: { status: 200, schema: zUpdateMeResponse },
  errors: [400, 401, 429, 500],
});

export const listAuthMethodsRoute = defineOperation({
  method: 'get',
  path: '/v1/me/auth-methods',
  operationId: 'listAuthMethods',
  tag: 'Me',
  ...signedIn,
  success: { status: 200, schema: zListAuthMethodsResponse },
  errors: [401, 429, 500],
});

export const unlinkAuthMethodRoute = defineOperation({
  method: 'delete',
  path: '/v1/me/auth-methods/{method}',
  operationId: 'unlinkAuthMethod',
  tag: 'Me',
  ...signedIn,
  request: { params: zUnlinkAuthMethodPath },
  success: { status: 200, schema: zUnlinkAuthMethodResponse },
  errors: [400, 401, 403, 404, 429, 500],
});
