import type { RequestIdVariables } from 'hono/request-id';
import type { AccessClaims } from './lib/access-token';
import type { LogSender } from './queue/send';
import type { Role } from './repositories/workspaces';

/** Who is calling: a signed-in user, or a project API key. Set by the auth middleware. */
export type Principal =
  | { kind: 'user'; userId: string; sessionId: string }
  | { kind: 'apiKey'; keyId: string; projectId: string; scopes: string[] };

export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & {
    principal?: Principal;
    /** The access token's verification, shared by the rate limiter and the auth guard. */
    accessClaims?: { input: string; result: Promise<AccessClaims> };
    /** The presented API key's id if its tag verified, shared by the rate limiter and the auth guard. */
    apiKeyId?: { input: string; result: Promise<string | undefined> };
    /**
     * What the credential's RateLimiter object said in the rate limiter's round trip: live (the
     * principal) or ended. Unset when it was not asked or did not answer.
     */
    vouched?: Principal | 'ended';
    /**
     * Set by the rate limiter when an ingest's admission waits for its queue messages (see
     * rateLimit): the key as its object last admitted it in this isolate, and where the messages go.
     */
    rememberedKey?: Extract<Principal, { kind: 'apiKey' }>;
    logSender?: LogSender;
    /** Set by requireRole: the caller's role in the workspace of the route. */
    membership?: Membership;
    /** Set by decodeIngestBody when an Idempotency-Key is sent: SHA-256 of the decompressed body. */
    bodyDigest?: string;
    /** Set by the ingest body decoders when the body came in another encoding (NDJSON, OTLP protobuf) and was translated to JSON. */
    translatedBody?: true;
  };
};

/**
 * The caller's standing in the workspace of the route, as established by the role guard; `role`
 * is known once the route's first D1 round trip (which checked it) is done.
 */
export type Membership = { workspaceId: string; userId: string; role: () => Promise<Role> };
