// The session refresh plugin: a call that presented the user's access token and was answered
// 401 "Token expired" refreshes the session once (one refresh shared by every call waiting on it)
// and is sent again with the new token.
import { refreshSession } from '../../generated/client-operations.ts';
import type { LoglaneError } from './errors.ts';
import type { LoglanePlugin, OnTokens } from './types.ts';

/** The catalog message of an expired access token (ERRORS.tokenExpired); the only 401 worth a refresh. */
export const TOKEN_EXPIRED_MESSAGE = 'Token expired';

const isTokenExpired = (error: LoglaneError | undefined) =>
  error?.kind === 'api' && error.status === 401 && error.code === 'UNAUTHORIZED' && error.message === TOKEN_EXPIRED_MESSAGE;

/** Refreshes expired sessions with the core's refresh token (`setTokens` keeps it); `onTokens` is told of every new session. */
export function refreshExpiredSessions(onTokens?: OnTokens): LoglanePlugin {
  return (next, context) => {
    let refreshing: Promise<LoglaneError | undefined> | undefined;

    /** One refresh at a time: concurrent expired calls share it. Resolves to the failure, if any. */
    function refresh(staleToken: string): Promise<LoglaneError | undefined> {
      const { accessToken, refreshToken } = context.getTokens();
      // Another call refreshed (or the app set new tokens) since this request was sent, so the
      // caller just retries; or there is nothing to refresh with.
      if (accessToken !== staleToken || !refreshToken) return Promise.resolve(undefined);
      refreshing ??= (async () => {
        const result = await context.call(refreshSession, { body: { refreshToken } });
        if (result.error) {
          // A refused refresh token is spent (revoked, reused or expired): stop presenting it.
          if (result.error.kind === 'api' && result.error.status === 401)
            context.setTokens({ accessToken: context.getTokens().accessToken });
          return result.error;
        }
        context.setTokens(result.data);
        try {
          await onTokens?.(result.data);
        } catch {
          // The new tokens are in use either way; a failing callback must not fail the calls waiting on it.
        }
        return undefined;
      })().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    }

    return async (op, request) => {
      // The token this call presents (should a plugin inside send a newer one, refresh() just retries).
      const credential = context.credentialFor(op);
      const result = await next(op, request);
      if (credential?.kind !== 'user' || !isTokenExpired(result.error)) return result;
      const failure = await refresh(credential.value);
      const { accessToken } = context.getTokens();
      if (!failure && accessToken && accessToken !== credential.value) return next(op, request);
      if (failure) Object.defineProperty(result.error, 'cause', { value: failure, configurable: true });
      return result;
    };
  };
}
