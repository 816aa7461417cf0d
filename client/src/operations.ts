// @loglane/client/operations: one descriptor per operation, separately importable, for
// `createLoglaneCore(options).call(login, { body })` without the rest of the operation table.
export * from '../../generated/client-operations.ts';
