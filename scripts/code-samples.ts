// x-codeSamples for every operation of a bundle: curl and TypeScript with @loglane/client, built from
// the contract alone, so an operation added to the contract gets its samples on `npm run generate`.
// Called by scripts/generate.ts; test/e2e/samples.e2e.ts runs every sample against the Worker.
//
// Where the values come from:
//   request body       the operation's first request example
//   query parameters   the parameter's `example`; a required one without an example is a variable
//   path parameters    the parameter's `example`, else a variable (ids differ for every reader)
//   credentials        $LOGLANE_TOKEN (a user's access token) or $LOGLANE_API_KEY (a project key)
// `x-sample-variable: NAME` on a parameter or a body property makes it the variable NAME: for values
// only the reader has (one-time tokens from a mail, refresh tokens, another user's id).
// Variables are environment variables: `$NAME` in curl, `process.env.NAME` in TypeScript.
import { resolveRef } from './lib.ts';

type Json = any;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The credential each security scheme takes, as the variable that holds it and the client option that sends it. */
const CREDENTIAL_VARIABLES: Record<string, { variable: string; clientOption: string }> = {
  UserJwt: { variable: 'LOGLANE_TOKEN', clientOption: 'accessToken' },
  ApiKeyBearer: { variable: 'LOGLANE_API_KEY', clientOption: 'apiKey' },
  ApiKeyHeader: { variable: 'LOGLANE_API_KEY', clientOption: 'apiKey' },
};

/** workspaceId → WORKSPACE_ID */
const variableFor = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** A value the reader supplies from an environment variable. */
class Variable {
  constructor(readonly name: string) {}
}
/** TypeScript source written as it is (the TypeScript samples only). */
class Code {
  constructor(readonly source: string) {}
}
type Value = Variable | Code | Json;

interface SampleRequest {
  method: string;
  path: string;
  pathValues: Record<string, Value>;
  query: [string, Value][];
  body: Value | undefined;
  credential: { variable: string; clientOption: string } | undefined;
  redirects: boolean;
  /** a cookie the request must carry (browser-only operations: curl samples only) */
  cookie: { name: string; variable: string } | undefined;
  /** the answer is an event stream */
  streams: boolean;
}

const exampleOf = (node: Json) => node?.example ?? node?.examples?.[0];

/** The first example of a request body, with its `x-sample-variable` properties replaced by variables. */
function bodyValue(bundle: Json, schemaNode: Json, value: Json): Value {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const schema = resolveRef(bundle, schemaNode) ?? {};
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      const property = schema.properties?.[key];
      const variable = property?.['x-sample-variable'] ?? resolveRef(bundle, property)?.['x-sample-variable'];
      return [key, variable ? new Variable(variable) : bodyValue(bundle, property, inner)];
    }),
  );
}

/** Server-sent events: the samples follow the stream for a while (STREAM_SECONDS), then stop. */
const EVENT_STREAM = 'text/event-stream';
export const STREAM_SECONDS = 60;

function sampleRequest(bundle: Json, url: string, method: string, pathItem: Json, operation: Json): SampleRequest {
  const pathValues: Record<string, Value> = {};
  const query: [string, Value][] = [];
  for (const node of [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])]) {
    const parameter = resolveRef(bundle, node);
    const named =
      parameter['x-sample-variable'] ?? (parameter.in === 'path' || parameter.required ? variableFor(parameter.name) : undefined);
    const example = parameter['x-sample-variable'] ? undefined : exampleOf(parameter);
    const value = example ?? (named ? new Variable(named) : undefined);
    if (value === undefined) continue;
    if (parameter.in === 'path') pathValues[parameter.name] = value;
    else if (parameter.in === 'query') query.push([parameter.name, value]);
  }

  // JSON where a body may also be sent otherwise (NDJSON ingest): the samples send JSON.
  const content = resolveRef(bundle, operation.requestBody)?.content ?? {};
  const media = content['application/json'] ?? Object.values<Json>(content)[0];
  const example = media && (resolveRef(bundle, Object.values<Json>(media.examples ?? {})[0])?.value ?? media.example);
  if (media && example === undefined)
    throw new Error(`${operation.operationId}: a request body without an example (the code samples need one)`);

  const requirement = Object.keys((operation.security ?? bundle.security ?? [])[0] ?? {})[0];
  const credential = requirement === undefined ? undefined : CREDENTIAL_VARIABLES[requirement];
  if (requirement !== undefined && !credential)
    throw new Error(`${operation.operationId}: no sample credential for security scheme ${requirement} (scripts/code-samples.ts)`);

  const redirects = Object.keys(operation.responses ?? {}).some((status) => /^3/.test(status));
  const streams = Object.values<Json>(operation.responses ?? {}).some(
    (response) => resolveRef(bundle, response)?.content?.[EVENT_STREAM] !== undefined,
  );
  const cookie = operation['x-sample-cookie'];
  return {
    method: method.toUpperCase(),
    path: url,
    pathValues,
    query,
    body: media ? bodyValue(bundle, media.schema, example) : undefined,
    credential,
    redirects,
    cookie,
    streams,
  };
}

// --- curl ----------------------------------------------------------------------------------------

/** Text inside "double quotes" in a POSIX shell, with variables left to expand. */
function shellDoubleQuoted(parts: (string | Variable)[]): string {
  const text = parts.map((part) => (part instanceof Variable ? `$${part.name}` : part.replace(/[\\"$`]/g, '\\$&'))).join('');
  return `"${text}"`;
}

/** JSON text cut into literal parts and variables (for a shell string). */
function jsonParts(value: Value): (string | Variable)[] {
  const variables: Variable[] = [];
  const marked = JSON.stringify(value, (_key, inner) => (inner instanceof Variable ? `\u{1F}${variables.push(inner) - 1}\u{1F}` : inner));
  return marked
    .split(/"\\u001f(\d+)\\u001f"/)
    .flatMap((part, i): (string | Variable)[] => (i % 2 ? ['"', variables[Number(part)], '"'] : [part]));
}

function curlSample(request: SampleRequest, serverUrl: string): string {
  const url: (string | Variable)[] = [serverUrl];
  for (const segment of request.path.split(/(\{[^}]+\})/)) {
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    const value = name === undefined ? segment : request.pathValues[name];
    url.push(value instanceof Variable ? value : encodeURIComponent(String(value)).replace(/%2F/g, '/'));
  }
  // Arrays are exploded (`level=warn&level=error`), as the client sends them.
  const pairs = request.query.flatMap(([name, value]) =>
    Array.isArray(value) ? value.map((item) => [name, item] as const) : [[name, value] as const],
  );
  pairs.forEach(([name, value], i) =>
    url.push(i ? '&' : '?', `${name}=`, value instanceof Variable ? value : encodeURIComponent(String(value))),
  );

  const flags = `${request.method === 'GET' ? '' : ` -X ${request.method}`}${request.redirects ? ' -i' : ''}${request.streams ? ` -N --max-time ${STREAM_SECONDS}` : ''}`;
  const lines = [`curl${flags} ${shellDoubleQuoted(url)}`];
  if (request.credential) lines.push(`-H ${shellDoubleQuoted(['Authorization: Bearer ', new Variable(request.credential.variable)])}`);
  if (request.cookie) lines.push(`-b ${shellDoubleQuoted([`${request.cookie.name}=`, new Variable(request.cookie.variable)])}`);
  if (request.body !== undefined) lines.push(`-H 'Content-Type: application/json'`, `-d ${shellDoubleQuoted(jsonParts(request.body))}`);
  return lines.join(' \\\n  ');
}

// --- TypeScript ----------------------------------------------------------------------------------

/** A value as TypeScript source: variables read from process.env. */
function tsValue(value: Value, indent: string): string {
  if (value instanceof Variable) return `process.env.${value.name}!`;
  if (value instanceof Code) return value.source;
  if (Array.isArray(value)) return `[${value.map((item) => tsValue(item, indent)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const inner = `${indent}  `;
    const entries = Object.entries(value).map(
      ([key, item]) => `${inner}${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: ${tsValue(item, inner)},`,
    );
    return entries.length ? `{\n${entries.join('\n')}\n${indent}}` : '{}';
  }
  return typeof value === 'string' ? `'${value.replace(/[\\']/g, '\\$&')}'` : JSON.stringify(value);
}

function typescriptSample(operationId: string, request: SampleRequest, serverUrl: string): string {
  const options = [`baseUrl: '${serverUrl}'`];
  if (request.credential) options.push(`${request.credential.clientOption}: process.env.${request.credential.variable}`);
  const argument: Record<string, Value> = {};
  if (Object.keys(request.pathValues).length) argument.path = request.pathValues;
  if (request.query.length) argument.query = Object.fromEntries(request.query);
  if (request.body !== undefined) argument.body = request.body;
  if (request.streams) {
    // A stream is an async iterator of its events; the signal ends it.
    const call = `loglane.${operationId}(${tsValue({ ...argument, signal: new Code(`AbortSignal.timeout(${STREAM_SECONDS * 1000})`) }, '')})`;
    return [
      "import { createLoglaneClient } from '@loglane/client';",
      '',
      `const loglane = createLoglaneClient({ ${options.join(', ')} });`,
      `for await (const event of ${call}) {`,
      '  console.log(event);',
      '}',
    ].join('\n');
  }
  const call = Object.keys(argument).length ? `loglane.${operationId}(${tsValue(argument, '')})` : `loglane.${operationId}()`;
  return [
    "import { createLoglaneClient } from '@loglane/client';",
    '',
    `const loglane = createLoglaneClient({ ${options.join(', ')} });`,
    `const { data, error } = await ${call};`,
    'if (error) throw error;',
    'console.log(data);',
  ].join('\n');
}

/** Adds x-codeSamples to every operation; development-only (x-internal) and browser-only (x-sample-cookie) ones get curl only, as the client lacks them. */
export function withCodeSamples(bundle: Json): Json {
  const serverUrl: string = bundle.servers[0].url;
  for (const [url, pathItem] of Object.entries<Json>(bundle.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!operation) continue;
      const request = sampleRequest(bundle, url, method, pathItem, operation);
      operation['x-codeSamples'] = [
        { lang: 'Shell', label: 'curl', source: curlSample(request, serverUrl) },
        ...(operation['x-internal'] || request.cookie
          ? []
          : [{ lang: 'TypeScript', label: 'TypeScript', source: typescriptSample(operation.operationId, request, serverUrl) }]),
      ];
    }
  }
  return bundle;
}
