// The shape of one operation descriptor (generated/client-operations.ts holds one per operation,
// generated from the public contract by scripts/client-operations.ts).

/** Which credential an operation accepts, in the contract's order of preference. */
export type CredentialKind = 'apiKey' | 'user';

/** How a success body is read: JSON, text, or no body at all (a redirect). */
export type BodyKind = 'json' | 'text' | 'none';

export interface OperationSpec<Id extends string = string> {
  /** The contract's operationId. */
  readonly id: Id;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path template, e.g. `/v1/workspaces/{workspaceId}`. */
  readonly url: string;
  /** Credentials the operation accepts, in order of preference; empty when it takes none. */
  readonly auth: readonly CredentialKind[];
  /** The success statuses the contract declares. */
  readonly ok: readonly number[];
  /** How the success body is read. */
  readonly body: BodyKind;
  /** True when the success body is the `{ success, data, error, meta }` envelope (the client unwraps it). */
  readonly envelope: boolean;
  /** The error statuses the contract declares. */
  readonly errors: readonly number[];
}
