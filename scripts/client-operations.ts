// Renders generated/client-operations.ts from the public contract bundle: one descriptor per operation
// (method, path, accepted credentials, declared success and error statuses, how the success body is
// read), the `Operations` type map that ties each operationId to its generated `<Op>Data`,
// `<Op>Responses` and `<Op>Errors` types, and the status → error codes map of the error catalog.
// Called by scripts/generate.ts.
import { resolveRef } from './lib.ts';

type Json = any;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Which credential each security scheme carries, and how it has to be defined for the client's
 * way of sending it (`Authorization: Bearer <credential>`). A scheme not listed here, or defined
 * differently, stops the generator rather than producing a client that sends the wrong header.
 */
const CREDENTIALS: Record<string, { kind: 'apiKey' | 'user'; bearer: boolean }> = {
  UserJwt: { kind: 'user', bearer: true },
  ApiKeyBearer: { kind: 'apiKey', bearer: true },
  ApiKeyHeader: { kind: 'apiKey', bearer: false },
};

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

function deref(bundle: Json, node: Json): Json {
  const resolved = resolveRef(bundle, node);
  if (resolved === undefined) throw new Error(`unresolved $ref ${node?.$ref}`);
  return resolved;
}

function isEnvelope(bundle: Json, schema: Json): boolean {
  const resolved = deref(bundle, schema ?? {});
  const props = resolved?.properties ?? {};
  return ['success', 'data', 'error', 'meta'].every((key) => key in props) && deref(bundle, props.success)?.const === true;
}

function bodyKindOf(operationId: string, contentTypes: string[]): 'json' | 'text' | 'none' {
  if (contentTypes.length === 0) return 'none';
  if (contentTypes.every((type) => type === 'application/json' || type.endsWith('+json'))) return 'json';
  if (contentTypes.every((type) => type.startsWith('text/'))) return 'text';
  throw new Error(`${operationId}: unsupported success media types ${contentTypes.join(', ')}`);
}

/**
 * The client sends path parameters as single segments and query parameters as `form`, arrays
 * exploded (`?level=info&level=warn`), objects as exploded `deepObject` (`?attributes[region]=eu`),
 * header parameters as plain strings (the call's `headers`); it sends no cookie parameters. Refuse any other.
 */
function checkParameters(bundle: Json, id: string, parameters: Json[]): void {
  for (const node of parameters) {
    const parameter = deref(bundle, node);
    const type = deref(bundle, parameter.schema ?? {})?.type;
    const unsupported = `${id}: ${parameter.in} parameter ${parameter.name} is serialised in a way the client does not support`;
    if (parameter.in === 'path') {
      if ((parameter.style ?? 'simple') !== 'simple' || type === 'array' || type === 'object') throw new Error(unsupported);
    } else if (parameter.in === 'query') {
      const style = parameter.style ?? 'form';
      const supported =
        type === 'object' ? style === 'deepObject' && parameter.explode !== false : style === 'form' && parameter.explode !== false;
      if (!supported) throw new Error(unsupported);
    } else if (parameter.in === 'header') {
      if (type !== 'string') throw new Error(unsupported);
    } else {
      throw new Error(`${id}: ${parameter.in} parameter ${parameter.name}: the client sends no ${parameter.in} parameters`);
    }
  }
}

interface Rendered {
  id: string;
  method: string;
  url: string;
  auth: string[];
  ok: number[];
  body: 'json' | 'text' | 'none';
  envelope: boolean;
  errors: number[];
  hasResponsesType: boolean;
  hasErrorsType: boolean;
}

function describeOperation(bundle: Json, url: string, method: string, pathItem: Json, operation: Json): Rendered {
  const id: string = operation.operationId;
  if (!id || !/^[a-z][A-Za-z0-9]*$/.test(id))
    throw new Error(`${method.toUpperCase()} ${url}: operationId "${id}" is not a camelCase identifier`);
  checkParameters(bundle, id, [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])]);

  const schemes = bundle.components?.securitySchemes ?? {};
  const requirements: Json[] = operation.security ?? bundle.security ?? [];
  const auth: string[] = [];
  const bearerKinds = new Set<string>();
  for (const requirement of requirements) {
    const names = Object.keys(requirement);
    if (names.length > 1) throw new Error(`${id}: a security requirement combining ${names.join(' + ')} is not supported by the client`);
    for (const name of names) {
      const credential = CREDENTIALS[name];
      const scheme = schemes[name];
      if (!credential || !scheme)
        throw new Error(`${id}: unknown security scheme ${name} (teach scripts/client-operations.ts which credential it carries)`);
      const isBearer = scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer';
      if (isBearer !== credential.bearer) throw new Error(`${id}: security scheme ${name} is no longer defined as the client expects`);
      if (isBearer) bearerKinds.add(credential.kind);
      if (!auth.includes(credential.kind)) auth.push(credential.kind);
    }
  }
  for (const kind of auth) {
    if (!bearerKinds.has(kind))
      throw new Error(`${id}: accepts ${kind} credentials only outside Authorization: Bearer, which the client does not send`);
  }

  const ok: number[] = [];
  const errors: number[] = [];
  const successMedia = new Set<string>();
  let envelope: boolean | undefined;
  for (const [statusText, responseNode] of Object.entries<Json>(operation.responses ?? {})) {
    if (!/^[1-5]\d\d$/.test(statusText))
      throw new Error(`${id}: response "${statusText}" is not a concrete status (ranges and default are not supported)`);
    const status = Number(statusText);
    const response = deref(bundle, responseNode);
    if (status < 400) {
      ok.push(status);
      // The client sends JSON, so an answer in the request's own encoding (OTLP's protobuf) never reaches it.
      const { 'application/x-protobuf': _protobuf, ...content } = response.content ?? {};
      for (const type of Object.keys(content)) successMedia.add(type);
      for (const media of Object.values<Json>(content)) {
        const thisEnvelope = isEnvelope(bundle, media.schema);
        if (envelope !== undefined && envelope !== thisEnvelope) throw new Error(`${id}: success responses mix enveloped and bare bodies`);
        envelope = thisEnvelope;
      }
    } else {
      errors.push(status);
    }
  }
  if (ok.length === 0) throw new Error(`${id}: no success response`);

  return {
    id,
    method: method.toUpperCase(),
    url,
    auth,
    ok: ok.sort((a, b) => a - b),
    body: bodyKindOf(id, [...successMedia]),
    envelope: envelope ?? false,
    errors: errors.sort((a, b) => a - b),
    // @hey-api/typescript emits `<Op>Responses` only for success responses with a body,
    // and `<Op>Errors` only when the operation declares error responses.
    hasResponsesType: successMedia.size > 0,
    hasErrorsType: errors.length > 0,
  };
}

/** An event stream (the live tail) is consumed by the client's tailLogs (client/src/tail.ts), not by a descriptor. */
function streams(bundle: Json, operation: Json): boolean {
  return Object.values<Json>(operation.responses ?? {}).some((response) => 'text/event-stream' in (deref(bundle, response).content ?? {}));
}

/** The catalog's status → codes map, in catalog order. */
function codesByStatus(bundle: Json): Record<number, string[]> {
  const catalog = bundle.components?.schemas?.ErrorCode?.['x-error-catalog'];
  if (!catalog?.scenarios) throw new Error('ErrorCode has no x-error-catalog');
  const map: Record<number, string[]> = {};
  for (const scenario of catalog.scenarios as { code: string; status: number }[]) {
    const codes = (map[scenario.status] ??= []);
    if (!codes.includes(scenario.code)) codes.push(scenario.code);
  }
  return map;
}

/** Where the rendered module imports from (defaults: the file lives in generated/). */
export interface RenderPaths {
  /** The generated contract types (`<Op>Data`, `<Op>Responses`, `<Op>Errors`). */
  types: string;
  /** The OperationSpec type. */
  spec: string;
}

// Paths as seen from generated/client-operations.ts, where scripts/generate.ts writes the module.
const GENERATED_PATHS: RenderPaths = { types: './client/types.gen.ts', spec: '../client/src/spec.ts' };

export function renderClientOperations(bundle: Json, paths: RenderPaths = GENERATED_PATHS): string {
  const operations: Rendered[] = [];
  for (const [url, pathItem] of Object.entries<Json>(bundle.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!operation || operation['x-internal'] || streams(bundle, operation)) continue;
      operations.push(describeOperation(bundle, url, method, pathItem, operation));
    }
  }
  const seen = new Set<string>();
  for (const op of operations) {
    if (seen.has(op.id)) throw new Error(`duplicate operationId ${op.id}`);
    seen.add(op.id);
  }

  const literal = (value: unknown) => JSON.stringify(value).replaceAll('"', "'").replaceAll(',', ', ');
  const lines: string[] = [
    '// Generated by scripts/client-operations.ts from generated/openapi.json. Do not edit.',
    `import type * as T from '${paths.types}';`,
    `import type { OperationSpec } from '${paths.spec}';`,
    '',
    "/** Each operation's request (`data`), success bodies by status (`responses`) and error bodies by status (`errors`). */",
    'export interface Operations {',
  ];
  for (const op of operations) {
    const P = pascal(op.id);
    const responses = op.hasResponsesType ? `T.${P}Responses` : `{ ${op.ok.map((s) => `${s}: undefined`).join('; ')} }`;
    const errors = op.hasErrorsType ? `T.${P}Errors` : '{}';
    lines.push(`  ${op.id}: { data: T.${P}Data; responses: ${responses}; errors: ${errors} };`);
  }
  lines.push('}', '');
  for (const op of operations) {
    const { id, method, url, auth, ok, body, envelope, errors } = op;
    lines.push(
      `export const ${id} = { id: '${id}', method: '${method}', url: '${url}', auth: ${literal(auth)}, ok: ${literal(ok)}, body: '${body}', envelope: ${envelope}, errors: ${literal(errors)} } as const satisfies OperationSpec<'${id}'>;`,
    );
  }
  lines.push(
    '',
    '/** Every operation of the public contract, by operationId. */',
    'export const operations = {',
    ...operations.map((op) => `  ${op.id},`),
    '} as const;',
    '',
    '/** The error codes the catalog allows for each error status (x-error-catalog of ErrorCode). */',
    'export const CODES_BY_STATUS: Readonly<Record<number, readonly string[]>> = {',
    ...Object.entries(codesByStatus(bundle)).map(([status, codes]) => `  ${status}: ${literal(codes)},`),
    '};',
    '',
  );
  return lines.join('\n');
}
