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
export { createLoglaneClient } from './client.ts';
export { createLoglaneCore } from './core.ts';
export { isLoglaneError, LoglaneError } from './errors.ts';
export type {
  AnyLoglaneError,
  ContractViolation,
  LoglaneApiError,
  LoglaneContractError,
  LoglaneErrorKind,
  LoglaneNetworkError,
  RateLimit,
} from './errors.ts';
export type { BodyKind, CredentialKind, OperationSpec } from './spec.ts';
export type * from './types.ts';
// The contract's schemas (Workspace, LogEntryInput, …) and per-operation request/response types.
export type * from '../../generated/client/types.gen.ts';
