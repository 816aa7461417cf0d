// Workspace authorization, in one place: each route under /v1/workspaces/{workspaceId} declares
// `middleware: [requireUser(), requireRole('<minimum>')]` and handlers never check roles again.
import type { Context, MiddlewareHandler } from 'hono';
import type { ErrorKey } from '../../generated/errors';
import { ApiError } from '../lib/errors';
import { roleIn, type Membership, type Role } from '../services/members';
import type { AppEnv } from '../types';
import { currentUserId } from './auth';

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

type GuardOptions = {
  /** The 403 when the role is too low; "Insufficient role" unless said otherwise. */
  denied?: ErrorKey;
  /** Any member may act on themselves: the route's {userId} is the caller (leaving a workspace). */
  orSelf?: boolean;
};

/**
 * Membership first: to anyone outside the workspace it does not exist (404), whatever the route
 * and whatever ids follow in the path, so ids never leak. Then the role: below `minimum` is 403.
 * Must follow requireUser().
 */
export const requireRole =
  (minimum: Role, options: GuardOptions = {}): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const userId = currentUserId(c);
    const workspaceId = c.req.param('workspaceId');
    const role = workspaceId ? await roleIn(c.env, workspaceId, userId) : null;
    if (!workspaceId || !role) throw ApiError.of('notFound');
    const actsOnSelf = options.orSelf === true && c.req.param('userId') === userId;
    if (RANK[role] < RANK[minimum] && !actsOnSelf) throw ApiError.of(options.denied ?? 'insufficientRole');
    c.set('membership', { workspaceId, userId, role });
    await next();
  };

/** The caller's membership; only for routes behind requireRole. */
export function currentMembership(c: Context<AppEnv>): Membership {
  const membership = c.get('membership');
  if (!membership) throw new Error('currentMembership used on a route without requireRole');
  return membership;
}
