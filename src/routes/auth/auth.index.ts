import { createRouter } from '../../lib/operation';
import * as handlers from './auth.handlers';
import {
  forgotPasswordRoute,
  loginRoute,
  logoutRoute,
  oauthCallbackRoute,
  refreshSessionRoute,
  registerRoute,
  requestMagicLinkRoute,
  resetPasswordRoute,
  startOAuthRoute,
  verifyEmailRoute,
  verifyMagicLinkRoute,
} from './auth.routes';

export const authRoutes = createRouter()
  .openapi(registerRoute, handlers.register)
  .openapi(verifyEmailRoute, handlers.verifyEmail)
  .openapi(loginRoute, handlers.login)
  .openapi(refreshSessionRoute, handlers.refreshSession)
  .openapi(logoutRoute, handlers.logout)
  .openapi(requestMagicLinkRoute, handlers.requestMagicLink)
  .openapi(verifyMagicLinkRoute, handlers.verifyMagicLink)
  .openapi(forgotPasswordRoute, handlers.forgotPassword)
  .openapi(resetPasswordRoute, handlers.resetPassword)
  .openapi(startOAuthRoute, handlers.startOAuth)
  .openapi(oauthCallbackRoute, handlers.oauthCallback);
