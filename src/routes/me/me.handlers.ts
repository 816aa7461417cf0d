import { success } from '../../lib/envelope';
import type { RouteHandler } from '../../lib/openapi-runtime';
import { currentUserId } from '../../middleware/auth';
import * as profile from '../../services/identity-profile';
import type { AppEnv } from '../../types';
import type { getMeRoute, listAuthMethodsRoute, unlinkAuthMethodRoute, updateMeRoute } from './me.routes';

export const getMe: RouteHandler<typeof getMeRoute, AppEnv> = async (c) =>
  c.json(success(await profile.getProfile(c.env, currentUserId(c))), 200);

export const updateMe: RouteHandler<typeof updateMeRoute, AppEnv> = async (c) =>
  c.json(success(await profile.updateProfile(c.env, currentUserId(c), c.req.valid('json'))), 200);

export const listAuthMethods: RouteHandler<typeof listAuthMethodsRoute, AppEnv> = async (c) =>
  c.json(success(await profile.listMethods(c.env, currentUserId(c))), 200);

export const unlinkAuthMethod: RouteHandler<typeof unlinkAuthMethodRoute, AppEnv> = async (c) =>
  c.json(success(await profile.unlinkMethod(c.env, currentUserId(c), c.req.valid('param').method)), 200);
