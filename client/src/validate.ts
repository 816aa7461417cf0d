// @loglane/client/validate: the client with response validation by the generated zod schemas.
// Kept apart from the main entry so that zod (a peer dependency) is loaded only by apps that use it.
//
//   import { createLoglaneClient } from '@loglane/client/validate';
//   const loglane = createLoglaneClient({ baseUrl, validateResponses: true });
//
// Every declared success body is checked against its operation's `z<Op>Response` schema and every
// declared error body against `zErrorEnvelope`; a mismatch is a `contract` error, not an API error.
import * as schemas from '../../generated/client/zod.gen.ts';
import { createLoglaneClient as createPlainClient } from './client.ts';
import type { LoglaneClient, LoglaneClientOptions, ResponseValidator } from './types.ts';

export * from './index.ts';

interface SafeParser {
  safeParse(
    value: unknown,
  ): { success: true } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

const registry = schemas as unknown as Record<string, SafeParser | undefined>;

/** The generated schema of an operation's success body, if it has one (`z<Op>Response`). */
export function successSchemaOf(operation: string): SafeParser | undefined {
  return registry[`z${operation.charAt(0).toUpperCase()}${operation.slice(1)}Response`];
}

/** Validates bodies with the generated zod schemas (zod 4). */
export const zodResponseValidator: ResponseValidator = ({ operation, kind, body }) => {
  const schema = kind === 'error' ? registry.zErrorEnvelope : successSchemaOf(operation);
  if (!schema) return undefined;
  const result = schema.safeParse(body);
  if (result.success) return undefined;
  return result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`);
};

export interface ValidatingClientOptions extends Omit<LoglaneClientOptions, 'validateResponses'> {
  /** `true` (the default here) checks responses with the generated schemas; a function replaces them. */
  validateResponses?: boolean | ResponseValidator;
}

export function createLoglaneClient(options: ValidatingClientOptions): LoglaneClient {
  const { validateResponses = true, ...rest } = options;
  const validator = validateResponses === true ? zodResponseValidator : validateResponses || undefined;
  return createPlainClient({ ...rest, validateResponses: validator });
}
