// @loglane/client: the typed client of the Loglane API, generated from its OpenAPI contract.
//
//   const loglane = createLoglaneClient({ baseUrl: 'http://127.0.0.1:8787', apiKey });
//   const { data, error } = await loglane.ingestLogs({ body: { level: 'info', message: 'hello' } });
//   if (error) console.error(error.kind, error.status, error.code, error.message);
//   else console.log(data.accepted);
//
// Every call resolves to `{ data, error }` and never rejects; `error` is a LoglaneError of kind
// `api` (a declared error: status and code), `network` (no response) or `contract` (a response
// the contract does not allow).
//
// createLoglaneClient is createLoglaneCore with two plugins and one method per operation. An app
// that wants only a few operations can build on the core (it tree-shakes to what is imported):
//
//   import { createLoglaneCore, retryRateLimited, refreshExpiredSessions } from '@loglane/client';
//   import { ingestLogs } from '@loglane/client/operations';
//   const core = createLoglaneCore({ baseUrl, apiKey, use: [retryRateLimited(), refreshExpiredSessions()] });
//   const { data, error } = await core.call(ingestLogs, { body });
//
//   retryRateLimited(policy?)         retries 429s after Retry-After (else X-RateLimit-Reset)
//   refreshExpiredSessions(onTokens?) refreshes an expired session once (single flight) and retries
//
// A plugin of your own is `(next, context) => (operation, request) => Promise<result>`: types
// LoglanePlugin, LoglanePluginContext, LoglaneSend, LoglaneRawRequest, LoglaneRawResult and
// LoglaneCredential; the core's options are LoglaneCoreOptions.
//
// To ship an application's logs (batched, gzipped, retried without duplicates), use the shipper:
//
//   const shipper = createLogShipper({ baseUrl, apiKey, service: 'checkout-api' });
//   shipper.info('order placed', { orderId: 'ord_42' });
//   await shipper.close(); // on shutdown
//
// and from pino, the transport `@loglane/client/pino`.

// The contract's schemas (Workspace, LogEntryInput, …) and per-operation request/response types.
export type * from '../../generated/client/types.gen.ts';
export { createLoglaneClient } from './client.ts';
export { createLoglaneCore } from './core.ts';
export type {
  AnyLoglaneError,
  ContractViolation,
  LoglaneApiError,
  LoglaneContractError,
  LoglaneErrorKind,
  LoglaneNetworkError,
  RateLimit,
} from './errors.ts';
export { isLoglaneError, LoglaneError } from './errors.ts';
export { refreshExpiredSessions } from './refresh.ts';
export { retryRateLimited } from './retry.ts';
export type { LogShipper, LogShipperOptions, LogShipperStats } from './shipper.ts';
export { createLogShipper } from './shipper.ts';
export type { BodyKind, CredentialKind, OperationSpec } from './spec.ts';
export { type TailLogsConnection, tailLogs } from './tail.ts';
export type * from './types.ts';
