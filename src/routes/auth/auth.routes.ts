import {
  zForgotPasswordBody,
  zForgotPasswordResponse,
  zLoginBody,
  zLoginResponse,
  zLogoutResponse,
  zOauthCallbackPath,
  zOauthCallbackQuery,
  zOauthCallbackResponse,
  zRefreshSessionBody,
  zRefreshSessionResponse,
  zRegisterBody,
  zRegisterResponse,
  zRequestMagicLinkBody,
  zRequestMagicLinkResponse,
  zResetPasswordBody,
  zResetPasswordResponse,
  zStartOAuthPath,
  zVerifyEmailBody,
  zVerifyEmailResponse,
  zVerifyMagicLinkBody,
  zVerifyMagicLinkResponse,
} from '../../../generated/zod/zod.gen';
import { defineOperation, jsonBody } from '../../lib/operation';
import { optionalUser, requireUser } from '../../middleware/auth';

// /v1/auth/*: registration, sessions, email flows, OAuth.

export const registerRoute = defineOperation({
  method: 'post',
  path: '/v1/auth/register',
  operationId: 'register',
  tag: 'Auth',
  security: [],
  request: jsonBody(zRegisterBody),
  success: { status: 201, schema: zRegisterResponse },
  errors: [400, 409, 429, 500],
});

export const verifyEmailRoute = defineOperation({
  method: 'post',
  path: '/v1/auth/verify-email',
  operationId: 'verifyEmail',
  tag: 'Auth',
  security: [],
  request: jsonBody(zVerifyEmailBody),
  success: { status: 200, schema: zVerifyEmailResponse },
  errors: [400, 401, 429, 500],
});

export const loginRoute = defineOperation({
  method: 'post',
  path: '/v1/auth/login',
  operationId: 'login',
  tag: 'Auth',
  security: [],
  request: jsonBody(zLoginBody),
  success: { status: 200, schema: zLoginResponse },
  errors: [400, 401, 403, 429, 500],
});

export const refreshSessionRoute = defineOperation({
  method: 'post',
  path: '/v1/auth/refresh',
  operationId: 'refreshSession',
  tag: 'Auth',
  security: [],
  request: jsonBody(zRefreshSessionBody),
  success: { status: 200, schema: zRefreshSessionResponse },
  errors: [400, 401, 429, 500],
});

export const logoutRoute = defineOperation({
  method: 'post',
  path: '/v1/auth/logout',
  operationId: 'logout',
  tag: 'Auth',
  security: [{ UserJwt: [] }],
  middleware: [requireUser()],
  success: { status: 200, schema: zLogoutResponse },
  errors: [401, 429, 500],
});

export const requestMagicLinkRoute = defineOperation({
  method: 'post',
  path: '/v1/auth/magic-link',
  operationId: 'requestMagicLink',
  tag: 'Auth',
  security: [],
  request: jsonBody(zRequestMagicLinkBody),
  success: { status: 200, schema: zRequestMagicLinkResponse },
  errors: [400, 429, 500],
});

export const verifyMagicLinkRoute = defineOperation({
  method: 'post',
  path: '/v1/auth/magic-link/verify',
  operationId: 'verifyMagicLink',
  tag: 'Auth',
  security: [],
  request: jsonBody(zVerifyMagicLinkBody),
  success: { status: 200, schema: zVerifyMagicLinkResponse },
  errors: [400, 401, 429, 500],
});

export const forgotPasswordRoute = defineOperation({
  method: 'post',
  path: '/v1/auth/forgot-password',
  operationId: 'forgotPassword',
  tag: 'Auth',
  security: [],
  request: jsonBody(zForgotPasswordBody),
  success: { status: 200, schema: zForgotPasswordResponse },
  errors: [400, 429, 500],
});

export const resetPasswordRoute = defineOperation({
  method: 'post',
  path: '/v1/auth/reset-password',
  operationId: 'resetPassword',
  tag: 'Auth',
  security: [],
  request: jsonBody(zResetPasswordBody),
  success: { status: 200, schema: zResetPasswordResponse },
  errors: [400, 401, 429, 500],
});

export const startOAuthRoute = defineOperation({
  method: 'get',
  path: '/v1/auth/oauth/{provider}',
  operationId: 'startOAuth',
  tag: 'Auth',
  // Anonymous sign-in, or (with a user token) linking the provider to that user.
  security: [{}, { UserJwt: [] }],
  middleware: [optionalUser()],
  request: { params: zStartOAuthPath },
  success: { status: 302, headers: ['Location', 'Set-Cookie'] },
  errors: [400, 401, 403, 429, 500],
});

export const oauthCallbackRoute = defineOperation({
  method: 'get',
  path: '/v1/auth/oauth/{provider}/callback',
  operationId: 'oauthCallback',
  tag: 'Auth',
  security: [],
  request: { params: zOauthCallbackPath, query: zOauthCallbackQuery },
  success: { status: 200, schema: zOauthCallbackResponse },
  errors: [400, 401, 429, 500],
});
