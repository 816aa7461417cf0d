// The 429 retry plugin: waits as long as the API asks (Retry-After, else X-RateLimit-Reset, else
// exponential backoff) and sends the request again, within a policy a call can override.
import { integerHeader, networkFailure, retryAfterSeconds } from './core.ts';
import type { LoglanePlugin, RetryOptions } from './types.ts';

const BACKOFF_BASE_MS = 500;

/** How long to wait before retrying a 429. */
function retryDelayMs(headers: Headers, attempt: number, now = Date.now()): number {
  const retryAfter = retryAfterSeconds(headers, now);
  if (retryAfter !== undefined) return retryAfter * 1000;
  const reset = integerHeader(headers, 'X-RateLimit-Reset');
  if (reset !== undefined) return Math.max(0, reset * 1000 - now);
  return BACKOFF_BASE_MS * 2 ** attempt;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Retries 429 responses: by default up to 2 times, waiting at most 30 s. `false` retries only
 * the calls that ask for it with their own `retry` option.
 */
export function retryRateLimited(policy: RetryOptions | false = {}): LoglanePlugin {
  return (next) => async (op, request) => {
    const retry = request.retry ?? policy;
    const { maxRetries = 2, maxDelayMs = 30_000 } = retry === false ? { maxRetries: 0 } : retry;
    for (let attempt = 0; ; attempt++) {
      const result = await next(op, request);
      if (result.status !== 429 || !result.response || attempt >= maxRetries) return result;
      const delay = retryDelayMs(result.response.headers, attempt);
      if (delay > maxDelayMs) return result;
      try {
        await sleep(delay, request.signal);
      } catch (cause) {
        return networkFailure(op, `${op.id} was aborted`, cause);
      }
    }
  };
}
