// createLoglaneClient: the core plus one method per operation of the contract, mapped from the
// generated operation table (a new operation in the contract appears here after `npm run generate`).
import { createLoglaneCore } from './core.ts';
import { operations } from '../../generated/client-operations.ts';
import type { OperationSpec } from './spec.ts';
import type { LoglaneClient, LoglaneClientOptions, LoglaneCore, OperationId } from './types.ts';

// An operation named like a core method would shadow it: make that a compile error.
type Clash = Extract<OperationId, keyof LoglaneCore>;
const noClash: [Clash] extends [never] ? true : Clash = true;
void noClash;

export function createLoglaneClient(options: LoglaneClientOptions): LoglaneClient {
  const core = createLoglaneCore(options);
  const methods: Record<string, (request?: object) => Promise<unknown>> = {};
  for (const op of Object.values(operations) as OperationSpec[]) {
    methods[op.id] = (request) => (core.call as (op: OperationSpec, request?: object) => Promise<unknown>)(op, request);
  }
  return Object.freeze({ ...methods, ...core }) as unknown as LoglaneClient;
}
