// Workspace authorization, in one place: each route under /v1/workspaces/{workspaceId} declares its
// `role` (defineOperation installs requireUser() and requireRole()) and handlers never check roles again.
import type { Context, MiddlewareHandler } from 'hono';
import type { ErrorKey } from '../../generated/errors';
import { ApiError } from '../lib/errors';
import { findRole } from '../repositories/members';
import type { Role } from '../services/members';
import type { AppEnv, Membership } from '../types';
import { currentUserId } from './auth';

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

export type GuardOptions = {
  /** The 403 when the role is too low; "Insufficient role" unless said otherwise. */
  denied?: ErrorKey;
  /** Any member may act on themselves: the route's {userId} is the caller (leaving a workspace). */
  orSelf?: boolean;
};

/**
 * Membership first: to anyone outside the workspace it does not exist (404), whatever the route
 * and whatever ids follow in the path, so ids never leak. Then the role: below `minimum` is 403.
 * Must follow requireUser().
 *
 * The check costs no round trip of its own: it rides in the route's first D1 round trip
 * (membershipCheckedDb), and the handler's own statements only take effect if it passes.
 */
export const requireRole =
  (minimum: Role, options: GuardOptions = {}): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const userId = currentUserId(c);
    const workspaceId = c.req.param('workspaceId');
    if (!workspaceId) throw ApiError.of('notFound');
    const actsOnSelf = options.orSelf === true && c.req.param('userId') === userId;
    const allowed = (Object.keys(RANK) as Role[]).filter((role) => actsOnSelf || RANK[role] >= RANK[minimum]);
    const checked = membershipCheckedDb(c.env.DB, { workspaceId, userId, allowed, denied: options.denied ?? 'insufficientRole' });
    // The env with DB replaced, as a child of it: a copy of every binding cost more than the rest of this guard.
    c.env = Object.create(c.env, { DB: { value: checked.db, enumerable: true } });
    c.set('membership', { workspaceId, userId, role: checked.role });
    await next();
    // A route that did no D1 work, or refused the request before any, still answers only to
    // those allowed: a refusal here replaces its response, so outsiders learn nothing from it.
    await checked.role();
  };

/** The caller's membership; only for routes behind requireRole. */
export function currentMembership(c: Context<AppEnv>): Membership {
  const membership = c.get('membership');
  if (!membership) throw new Error('currentMembership used on a route without requireRole');
  return membership;
}

type Check = { workspaceId: string; userId: string; allowed: Role[]; denied: ErrorKey };

/**
 * A D1 handle whose first round trip (a statement or a batch) runs as one batch behind a statement
 * that fails unless the caller's role is allowed: D1 batches are one transaction, so a refused
 * caller's statements never take effect. Later round trips go straight to D1.
 */
function membershipCheckedDb(db: D1Database, check: Check): { db: D1Database; role: () => Promise<Role> } {
  const placeholders = check.allowed.map(() => '?').join(', ');
  // SQLite has no RAISE outside triggers; json() of text that is not JSON fails the statement.
  const guard = () =>
    db
      .prepare(
        `SELECT CASE WHEN role IN (${placeholders}) THEN role ELSE json('membership refused') END AS role
         FROM (SELECT (SELECT role FROM workspace_members WHERE workspace_id = ? AND user_id = ?) AS role)`,
      )
      .bind(...check.allowed, check.workspaceId, check.userId);
  let verdict: Promise<Role> | undefined;
  // The D1 statement behind each statement this handle gave out, for batches.
  const statementOf = new WeakMap<D1PreparedStatement, D1PreparedStatement>();
  const unwrapped = (statements: D1PreparedStatement[]) => statements.map((statement) => statementOf.get(statement) ?? statement);

  /** Runs `statements` behind the guard (the first trip only); a refusal becomes 404 or 403. */
  async function trip(statements: D1PreparedStatement[]): Promise<D1Result[]> {
    if (verdict) {
      await verdict;
      return statements.length ? db.batch(unwrapped(statements)) : [];
    }
    const results = db.batch([guard(), ...unwrapped(statements)]);
    // The batch failed: either the guard (the caller is refused: 404 or 403) or the route's own statements.
    verdict = results.then(
      ([guarded]) => (guarded.results[0] as { role: Role }).role,
      async () => {
        const role = await findRole(db, check.workspaceId, check.userId);
        if (!role) throw ApiError.of('notFound');
        if (!check.allowed.includes(role)) throw ApiError.of(check.denied);
        return role;
      },
    );
    verdict.catch(() => {}); // awaited below and by role(); never left unhandled
    await verdict;
    return (await results).slice(1);
  }

  const checkedStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    // The statement's result when it is the first trip; undefined once the guard has passed.
    const single = async () => {
      if (!verdict) return (await trip([statement]))[0];
      await verdict;
      return undefined;
    };
    const checked = {
      bind: (...values: unknown[]) => checkedStatement(statement.bind(...values)),
      first: async (column?: string) => {
        const result = await single();
        if (!result) return column === undefined ? statement.first() : statement.first(column);
        const row = (result.results[0] ?? null) as Record<string, unknown> | null;
        return column === undefined ? row : (row?.[column] ?? null);
      },
      all: async () => (await single()) ?? statement.all(),
      run: async () => (await single()) ?? statement.run(),
      raw: async (options?: { columnNames?: boolean }) => {
        await trip([]);
        return statement.raw(options as never);
      },
    } as unknown as D1PreparedStatement;
    statementOf.set(checked, statement);
    return checked;
  };

  const checkedDb = {
    prepare: (query: string) => checkedStatement(db.prepare(query)),
    batch: (statements: D1PreparedStatement[]) => trip(statements),
    exec: async (query: string) => {
      await trip([]);
      return db.exec(query);
    },
    dump: () => db.dump(),
    withSession: () => {
      throw new Error('a route behind requireRole uses its D1 handle directly');
    },
  } as unknown as D1Database;
  return { db: checkedDb, role: () => verdict ?? trip([]).then(() => verdict!) };
}
