// The Worker's one way to log: a JSON line per event, `{ level, event, …fields }` (with the
// request's `requestId` among the fields when there is a request), which Workers Logs indexes.

type Fields = Record<string, unknown>;

// An Error stringifies to `{}` in JSON; its "Name: message" is what an operator needs.
const serialisable = (fields: Fields) =>
  Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value instanceof Error ? String(value) : value]));

const writer =
  (level: 'info' | 'warn' | 'error', write: (line: string) => void) =>
  (event: string, fields: Fields = {}) =>
    write(JSON.stringify({ level, event, ...serialisable(fields) }));

export const log = {
  info: writer('info', (line) => console.log(line)),
  warn: writer('warn', (line) => console.warn(line)),
  error: writer('error', (line) => console.error(line)),
};
