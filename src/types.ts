import type { RequestIdVariables } from 'hono/request-id';
import type { Membership } from './services/members';

/** Who is calling: a signed-in user, or a project API key. Set by the auth middleware. */
export type Principal =
  | { kind: 'user'; userId: string; sessionId: string }
  | { kind: 'apiKey'; keyId: string; projectId: string; scopes: string[] };

export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & {
    principal?: Principal;
    /** Set by requireRole: the caller's role in the workspace of the route. */
    membership?: Membership;
  };
};
