import { createRouter } from '../../lib/operation';
import * as handlers from './me.handlers';
import { getMeRoute, listAuthMethodsRoute, unlinkAuthMethodRoute, updateMeRoute } from './me.routes';

export const meRoutes = createRouter()
  .openapi(getMeRoute, handlers.getMe)
  .openapi(updateMeRoute, handlers.updateMe)
  .openapi(listAuthMethodsRoute, handlers.listAuthMethods)
  .openapi(unlinkAuthMethodRoute, handlers.unlinkAuthMethod);
