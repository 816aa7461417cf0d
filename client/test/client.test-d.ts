// Type-level tests of @loglane/client (checked by tsc through vitest typecheck; never run).
import { describe, expectTypeOf, it } from 'vitest';
// The quickstart is part of the client's surface: it must keep compiling.
import type {} from '../../examples/quickstart.ts';
import type { ApiKey, ErrorDetail, LogPage, Meta, Session, Workspace } from '../../generated/client/types.gen.ts';
import {
  type CodesForStatus,
  createLoglaneClient,
  createLoglaneCore,
  isLoglaneError,
  type LoglaneApiError,
  type LoglaneContractError,
  type LoglaneCredential,
  type LoglaneError,
  type LoglaneErrorCode,
  type LoglaneNetworkError,
  type LoglanePlugin,
  type LoglaneResult,
  type RateLimit,
  refreshExpiredSessions,
  retryRateLimited,
} from '../src/index.ts';
import { createApiKey, login, queryLogs } from '../src/operations.ts';
import { createLoglaneClient as createValidatingClient } from '../src/validate.ts';

const client = createLoglaneClient({ baseUrl: 'http://127.0.0.1:8787' });

describe('requests', () => {
  it('accepts requests that match the contract', () => {
    void client.login({ body: { email: 'ada@example.com', password: 'correct horse' } });
    void client.createApiKey({ path: { workspaceId: 'ws_1', projectId: 'prj_1' }, body: { name: 'ci', scopes: ['logs:write'] } });
    void client.queryLogs({ query: { source: 'kv', level: ['error', 'warn'], limit: 10 } });
    void client.ingestLogs({ body: { entries: [{ level: 'info', message: 'hi', attributes: { n: 1, ok: true } }] } });
    void client.getMe();
    void client.listWorkspaces({ signal: AbortSignal.timeout(1000), retry: false, headers: { 'X-Request-Id': 'req_1' } });
  });

  it('rejects requests that do not', () => {
    // @ts-expect-error password is required
    void client.login({ body: { email: 'ada@example.com' } });
    // @ts-expect-error no such property in LoginRequest
    void client.login({ body: { email: 'ada@example.com', password: 'x', remember: true } });
    // @ts-expect-error the body is required
    void client.login();
    // @ts-expect-error not an ApiKeyScope
    void client.createApiKey({ path: { workspaceId: 'ws_1', projectId: 'prj_1' }, body: { name: 'ci', scopes: ['logs:delete'] } });
    // @ts-expect-error projectId is a required path parameter
    void client.createApiKey({ path: { workspaceId: 'ws_1' }, body: { name: 'ci', scopes: [] } });
    // @ts-expect-error not a LogSource
    void client.queryLogs({ query: { source: 'r2' } });
    // @ts-expect-error not a LogLevel
    void client.ingestLogs({ body: { level: 'verbose', message: 'hi' } });
    // @ts-expect-error getMe takes no body
    void client.getMe({ body: { name: 'x' } });
    // @ts-expect-error not an operation of the contract (x-internal operations are not in the public client)
    void client.listOutbox({ query: { to: 'ada@example.com' } });
  });

  it('takes the API key and token options, and zod validation only from the validate entry', () => {
    createLoglaneClient({ baseUrl: 'x', apiKey: 'sk_1', retry: { maxRetries: 3, maxDelayMs: 5000 } });
    createLoglaneClient({
      baseUrl: 'x',
      accessToken: 'a',
      refreshToken: 'r',
      onTokens: (session) => {
        expectTypeOf(session).toEqualTypeOf<Session>();
      },
    });
    // @ts-expect-error the main entry has no zod: `true` needs @loglane/client/validate
    createLoglaneClient({ baseUrl: 'x', validateResponses: true });
    createValidatingClient({ baseUrl: 'x', validateResponses: true });
  });
});

describe('error codes per operation', () => {
  it('maps statuses to the codes of the error catalog', () => {
    expectTypeOf<CodesForStatus<400>>().toEqualTypeOf<'VALIDATION_ERROR' | 'INVALID_SOURCE'>();
    expectTypeOf<CodesForStatus<401>>().toEqualTypeOf<'UNAUTHORIZED' | 'AUTH_FAILED'>();
    expectTypeOf<CodesForStatus<403>>().toEqualTypeOf<'FORBIDDEN'>();
    expectTypeOf<CodesForStatus<404>>().toEqualTypeOf<'NOT_FOUND'>();
    expectTypeOf<CodesForStatus<409>>().toEqualTypeOf<'VALIDATION_ERROR'>();
    expectTypeOf<CodesForStatus<429>>().toEqualTypeOf<'RATE_LIMITED'>();
    expectTypeOf<CodesForStatus<500>>().toEqualTypeOf<'INTERNAL_ERROR'>();
  });

  it('gives each operation exactly the codes of the statuses it declares', () => {
    expectTypeOf<LoglaneErrorCode<'getHealth'>>().toEqualTypeOf<'INTERNAL_ERROR'>();
    expectTypeOf<LoglaneErrorCode<'getOpenApiDocument'>>().toEqualTypeOf<'RATE_LIMITED' | 'INTERNAL_ERROR'>();
    expectTypeOf<LoglaneErrorCode<'getMe'>>().toEqualTypeOf<'UNAUTHORIZED' | 'AUTH_FAILED' | 'RATE_LIMITED' | 'INTERNAL_ERROR'>();
    expectTypeOf<LoglaneErrorCode<'register'>>().toEqualTypeOf<'VALIDATION_ERROR' | 'INVALID_SOURCE' | 'RATE_LIMITED' | 'INTERNAL_ERROR'>();
    expectTypeOf<LoglaneErrorCode<'login'>>().toEqualTypeOf<
      'VALIDATION_ERROR' | 'INVALID_SOURCE' | 'UNAUTHORIZED' | 'AUTH_FAILED' | 'FORBIDDEN' | 'RATE_LIMITED' | 'INTERNAL_ERROR'
    >();
    expectTypeOf<LoglaneErrorCode<'ingestLogs'>>().toEqualTypeOf<
      'VALIDATION_ERROR' | 'INVALID_SOURCE' | 'UNAUTHORIZED' | 'AUTH_FAILED' | 'FORBIDDEN' | 'RATE_LIMITED' | 'INTERNAL_ERROR'
    >();
    expectTypeOf<LoglaneErrorCode<'queryLogs'>>().toEqualTypeOf<
      'VALIDATION_ERROR' | 'INVALID_SOURCE' | 'UNAUTHORIZED' | 'AUTH_FAILED' | 'FORBIDDEN' | 'NOT_FOUND' | 'RATE_LIMITED' | 'INTERNAL_ERROR'
    >();
    // A declared 404 brings NOT_FOUND; operations without it cannot answer NOT_FOUND.
    expectTypeOf<'NOT_FOUND'>().toMatchTypeOf<LoglaneErrorCode<'getWorkspace'>>();
    expectTypeOf<'NOT_FOUND'>().not.toMatchTypeOf<LoglaneErrorCode<'createWorkspace'>>();
  });

  it('ties status and code together in the error union', async () => {
    const { error } = await client.createWorkspace({ body: { name: 'Acme', slug: 'acme' } });
    if (error?.kind === 'api') {
      expectTypeOf(error.status).toEqualTypeOf<400 | 401 | 409 | 429 | 500>();
      if (error.status === 409) expectTypeOf(error.code).toEqualTypeOf<'VALIDATION_ERROR'>();
      if (error.status === 401) expectTypeOf(error.code).toEqualTypeOf<'UNAUTHORIZED' | 'AUTH_FAILED'>();
      if (error.code === 'RATE_LIMITED') expectTypeOf(error.status).toEqualTypeOf<429>();
      expectTypeOf(error.message).toEqualTypeOf<string>();
      expectTypeOf(error.details).toEqualTypeOf<ErrorDetail[] | undefined>();
      expectTypeOf(error.requestId).toEqualTypeOf<string | undefined>();
    }
  });
});

describe('results', () => {
  it('narrow on error: data, meta and status of the success', async () => {
    const result = await client.createWorkspace({ body: { name: 'Acme', slug: 'acme' } });
    expectTypeOf(result.rateLimit).toEqualTypeOf<RateLimit | undefined>();
    expectTypeOf(result.requestId).toEqualTypeOf<string | undefined>();
    if (result.error) {
      expectTypeOf(result.data).toEqualTypeOf<undefined>();
      expectTypeOf(result.response).toEqualTypeOf<Response | undefined>();
    } else {
      expectTypeOf(result.data).toEqualTypeOf<Workspace>();
      expectTypeOf(result.meta).toEqualTypeOf<Meta>();
      expectTypeOf(result.status).toEqualTypeOf<201>();
      expectTypeOf(result.response).toEqualTypeOf<Response>();
    }
  });

  it('narrow when destructured', async () => {
    const { data, error } = await client.queryLogs({ query: { source: 'd1' } });
    if (error) {
      expectTypeOf(data).toEqualTypeOf<undefined>();
      return;
    }
    expectTypeOf(data).toEqualTypeOf<LogPage>();
  });

  it('separate the three kinds of failure', async () => {
    const { error } = await client.getMe();
    if (!error) return;
    if (error.kind === 'network') {
      expectTypeOf(error).toEqualTypeOf<LoglaneNetworkError>();
      expectTypeOf(error.status).toEqualTypeOf<undefined>();
      expectTypeOf(error.code).toEqualTypeOf<undefined>();
    } else if (error.kind === 'contract') {
      expectTypeOf(error).toEqualTypeOf<LoglaneContractError>();
      expectTypeOf(error.code).toEqualTypeOf<undefined>();
    } else {
      expectTypeOf(error.code).toEqualTypeOf<'UNAUTHORIZED' | 'AUTH_FAILED' | 'RATE_LIMITED' | 'INTERNAL_ERROR'>();
    }
  });

  it('unwrap bodies that are not envelopes as they are', async () => {
    expectTypeOf<Extract<LoglaneResult<'getDocs'>, { error: undefined }>['data']>().toEqualTypeOf<string>();
    expectTypeOf<Extract<LoglaneResult<'getOpenApiDocument'>, { error: undefined }>['data']>().toEqualTypeOf<{ [key: string]: unknown }>();
    expectTypeOf<Extract<LoglaneResult<'startOAuth'>, { error: undefined }>['status']>().toEqualTypeOf<302>();
  });
});

describe('isLoglaneError', () => {
  it('narrows a typed error to the members with that code', async () => {
    const { error } = await client.login({ body: { email: 'a@b.c', password: 'x' } });
    if (isLoglaneError(error, 'RATE_LIMITED')) {
      expectTypeOf(error.code).toEqualTypeOf<'RATE_LIMITED'>();
      expectTypeOf(error.status).toEqualTypeOf<429>();
    }
    if (isLoglaneError(error, 'AUTH_FAILED')) {
      expectTypeOf(error.code).toEqualTypeOf<'AUTH_FAILED'>();
      expectTypeOf(error.status).toEqualTypeOf<401>();
    }
  });

  it('narrows unknown values', () => {
    const caught: unknown = new Error('x');
    if (isLoglaneError(caught, 'NOT_FOUND')) {
      expectTypeOf(caught).toMatchTypeOf<LoglaneApiError<'NOT_FOUND'>>();
      expectTypeOf(caught.code).toEqualTypeOf<'NOT_FOUND'>();
    }
    if (isLoglaneError(caught)) expectTypeOf(caught.kind).toEqualTypeOf<'api' | 'network' | 'contract'>();
    // @ts-expect-error not an error code of the contract
    isLoglaneError(caught, 'TEAPOT');
  });
});

describe('core', () => {
  it('calls a single descriptor with the same types', async () => {
    const core = createLoglaneCore({ baseUrl: 'http://127.0.0.1:8787' });
    const session = await core.call(login, { body: { email: 'a@b.c', password: 'x' } });
    if (!session.error) expectTypeOf(session.data).toEqualTypeOf<Session>();
    const keys = await core.call(createApiKey, {
      path: { workspaceId: 'ws_1', projectId: 'prj_1' },
      body: { name: 'k', scopes: ['logs:read'] },
    });
    if (!keys.error) expectTypeOf(keys.data.secret).toEqualTypeOf<string>();
    const logs = await core.call(queryLogs);
    if (logs.error) expectTypeOf(logs.error.code).toEqualTypeOf<LoglaneErrorCode<'queryLogs'> | undefined>();
    // @ts-expect-error login needs a body
    void core.call(login, {});
  });

  it('takes plugins with their own settings; the core alone has no retry or onTokens option', () => {
    createLoglaneCore({
      baseUrl: 'x',
      refreshToken: 'r',
      use: [
        retryRateLimited({ maxRetries: 1 }),
        retryRateLimited(false),
        refreshExpiredSessions((session) => {
          expectTypeOf(session).toEqualTypeOf<Session>();
        }),
      ],
    });
    // @ts-expect-error 429 retry is the retryRateLimited plugin's
    createLoglaneCore({ baseUrl: 'x', retry: { maxRetries: 1 } });
    // @ts-expect-error onTokens is the refreshExpiredSessions plugin's
    createLoglaneCore({ baseUrl: 'x', onTokens: () => undefined });
    const plugin: LoglanePlugin = (next, context) => async (operation, request) => {
      expectTypeOf(context.credentialFor(operation)).toEqualTypeOf<LoglaneCredential | undefined>();
      const result = await next(operation, request);
      expectTypeOf(result.error).toEqualTypeOf<LoglaneError | undefined>();
      return result;
    };
    createLoglaneCore({ baseUrl: 'x', use: [plugin] });
  });

  it('lists API keys without secrets', async () => {
    const { data } = await client.listApiKeys({ path: { workspaceId: 'ws_1', projectId: 'prj_1' } });
    if (data) expectTypeOf(data).toEqualTypeOf<ApiKey[]>();
  });
});
