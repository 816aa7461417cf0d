// What the Worker logs: one JSON line per event, `{ level, event, requestId, …fields }`
// (src/lib/log.ts), for failures no client sees in detail.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, expectError } from './support/http';
import { signUp, uniqueEmail } from './support/users';

// Outside development the Worker mails through the fake mail API, which refuses this key.
const REFUSED_MAIL = { ENVIRONMENT: 'production', MAIL_API_KEY: 'revoked-key' } as const;

const loggedLines = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map(([line]) => JSON.parse(String(line)));

afterEach(() => vi.restoreAllMocks());

describe('logging', () => {
  it('logs an unexpected failure once, as { level, event, requestId } of the 500 the client got, with the detail kept out of the response', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await api.post(
      '/v1/auth/register',
      { email: uniqueEmail('logged'), password: 'correct-horse-battery', name: 'L' },
      { bindings: REFUSED_MAIL },
    );
    expectError(res, 500, 'INTERNAL_ERROR', 'Internal server error');
    expect(loggedLines(logged)).toEqual([
      expect.objectContaining({
        level: 'error',
        event: 'unhandled_error',
        requestId: res.headers.get('x-request-id'),
        path: '/v1/auth/register',
        error: 'Error: mail API answered 401',
      }),
    ]);
    expect(res.text).not.toContain('mail API');
  });

  it('logs a failure past the response in the same shape, with the request it belongs to', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { email } = await signUp();
    const res = await api.post('/v1/auth/magic-link', { email }, { bindings: REFUSED_MAIL });
    expect(res.status).toBe(200);
    expect(loggedLines(logged)).toEqual([
      expect.objectContaining({
        level: 'error',
        event: 'background_task_failed',
        requestId: res.headers.get('x-request-id'),
        error: 'Error: mail API answered 401',
      }),
    ]);
  });
});
