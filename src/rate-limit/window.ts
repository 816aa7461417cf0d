// Window arithmetic shared by the Durable Object and the middleware (free of Workers-only imports,
// so the app's route definitions also load in Node for the drift check).

/** Fixed windows of one minute, aligned to the minute so every caller's window ends on the same boundary. */
export const WINDOW_MS = 60_000;

export type RateLimitDecision = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the window ends, in Unix seconds. */
  reset: number;
};

/** The window a request at `now` (epoch ms) falls in. */
export function windowOf(now: number) {
  const start = now - (now % WINDOW_MS);
  return { start, end: start + WINDOW_MS };
}

/** A live API key as its RateLimiter object knows it. */
export type LiveApiKey = { keyId: string; projectId: string; scopes: string[] };
