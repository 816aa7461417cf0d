// createLoglaneClient: the core with the retry and refresh plugins, plus one method per operation
// of the contract, mapped from the generated operation table (a new operation in the contract
// appears here after `npm run generate`).

import { operations } from '../../generated/client-operations.ts';
import { createLoglaneCore } from './core.ts';
import { refreshExpiredSessions } from './refresh.ts';
import { retryRateLimited } from './retry.ts';
import type { OperationSpec } from './spec.ts';
import { tailLogs } from './tail.ts';
import type { LoglaneClient, LoglaneClientOptions, LoglaneCore, OperationId, TailLogsRequest } from './types.ts';

// An operation named like a core method would shadow it: make that a compile error.
type Clash = Extract<OperationId, keyof LoglaneCore>;
const noClash: [Clash] extends [never] ? true : Clash = true;
void noClash;

export function createLoglaneClient(options: LoglaneClientOptions): LoglaneClient {
  const { retry, onTokens, ...coreOptions } = options;
  // Retry outermost: a 429 on the call sent again after a refresh is retried too.
  const core = createLoglaneCore({ ...coreOptions, use: [retryRateLimited(retry ?? false), refreshExpiredSessions(onTokens)] });
  const methods: Record<string, (request?: object) => Promise<unknown>> = {};
  for (const op of Object.values(operations) as OperationSpec[]) {
    methods[op.id] = (request) => (core.call as (op: OperationSpec, request?: object) => Promise<unknown>)(op, request);
  }
  // The tail presents the API key, else the current (possibly refreshed) access token.
  const tail = (request?: TailLogsRequest) => tailLogs({ ...coreOptions, accessToken: core.getTokens().accessToken }, request);
  return Object.freeze({ ...methods, ...core, tailLogs: tail }) as unknown as LoglaneClient;
}
