// The drift check: the operations the Worker implements (its own OpenAPI document, produced by
// @hono/zod-openapi from the route definitions) must equal the contract, operation by operation,
// once both are normalised. Operations not built yet are named in scripts/pending-operations.json.

import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { zodToOpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { OpenAPIHono } from '@hono/zod-openapi';
import { ROOT, readJson, resolveRef } from './lib.ts';

type Json = any;
export type DriftReport = { implemented: string[]; pending: string[]; problems: string[] };

const PENDING_FILE = path.join(ROOT, 'scripts', 'pending-operations.json');

/**
 * Gives each generated zod schema the component name it was generated from, in place, so the app's
 * document refers to `#/components/schemas/<Name>` where the contract does.
 */
function registerComponents(zodModule: Record<string, unknown>, contract: Json) {
  for (const name of Object.keys(contract.components.schemas)) {
    const schema = zodModule[`z${name}`];
    if (schema) zodToOpenAPIRegistry.add(schema as never, { _internal: { refId: name } } as never);
  }
}

// Keywords that only document (they cannot make code and contract disagree).
const DOC_ONLY = new Set(['description', 'title', 'summary', 'examples', 'example', '$comment', 'deprecated']);
// Constraints the contract states and the generated zod enforces (refinements, record key schemas)
// that the document generator cannot show (see openapi-ts.config.ts). Tolerated only where the app omits them.
const ENFORCED_BY_REFINEMENT = ['maxProperties', 'minProperties', 'uniqueItems', 'propertyNames'];

const typeOfValue = (value: unknown) =>
  value === null ? 'null' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;

/** Resolves $refs and canonicalises the ways two generators may spell the same schema. */
export function normaliseSchema(schema: Json, doc: Json, seen: string[] = []): Json {
  if (Array.isArray(schema)) return schema.map((item) => normaliseSchema(item, doc, seen));
  if (!schema || typeof schema !== 'object') return schema;
  if (schema.$ref) {
    if (seen.includes(schema.$ref)) return { $recursive: schema.$ref };
    return normaliseSchema(resolveRef(doc, schema), doc, [...seen, schema.$ref]);
  }
  const out: Json = {};
  for (const [key, value] of Object.entries<Json>(schema)) {
    if (DOC_ONLY.has(key) || key.startsWith('x-')) continue;
    if (key === 'properties')
      out.properties = Object.fromEntries(Object.entries<Json>(value).map(([k, v]) => [k, normaliseSchema(v, doc, seen)]));
    else if (['items', 'additionalProperties', 'not', 'propertyNames'].includes(key) && typeof value === 'object')
      out[key] = normaliseSchema(value, doc, seen);
    else if (['anyOf', 'oneOf', 'allOf'].includes(key)) out[key] = value.map((v: Json) => normaliseSchema(v, doc, seen));
    else out[key] = value;
  }
  // `const: x` and `enum: [x]` say the same; so do `type: [a, null]` and `anyOf: [{type: a}, {type: null}]`.
  if ('const' in out) {
    out.enum = [out.const];
    delete out.const;
  }
  if (out.enum && !out.type) out.type = typeOfValue(out.enum[0]);
  if (out.enum) out.enum = [...out.enum].sort();
  if (out.required) out.required = [...out.required].sort();
  // Allowing any additional property is the default.
  if (out.additionalProperties === true || (out.additionalProperties && Object.keys(out.additionalProperties).length === 0))
    delete out.additionalProperties;
  if (Array.isArray(out.type)) {
    const { type, ...rest } = out;
    return normaliseSchema({ anyOf: type.map((t: string) => (t === 'null' ? { type: 'null' } : { ...rest, type: t })) }, doc, seen);
  }
  // A union of exclusive branches is the same whichever keyword says it.
  if (out.oneOf) {
    out.anyOf = out.oneOf;
    delete out.oneOf;
  }
  if (out.anyOf) out.anyOf = [...out.anyOf].sort((a: Json, b: Json) => stableJson(a).localeCompare(stableJson(b)));
  // A date-time format implies its own pattern in zod's output.
  if (out.format && out.pattern && ['date-time', 'email', 'uri'].includes(out.format)) delete out.pattern;
  return out;
}

const stableJson = (value: Json): string =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? `{${Object.keys(value)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
        .join(',')}}`
    : Array.isArray(value)
      ? `[${value.map(stableJson).join(',')}]`
      : JSON.stringify(value);

/** Removes from the contract's schema the refinement-only keywords wherever the app's schema lacks them. */
function tolerateRefinements(contract: Json, app: Json): Json {
  if (!contract || typeof contract !== 'object' || !app || typeof app !== 'object') return contract;
  if (Array.isArray(contract)) return contract.map((item, i) => tolerateRefinements(item, app[i]));
  const out: Json = {};
  for (const [key, value] of Object.entries<Json>(contract)) {
    if (ENFORCED_BY_REFINEMENT.includes(key) && !(key in app)) continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries<Json>(value).map(([k, v]) => [k, tolerateRefinements(v, app.properties?.[k])]))
        : tolerateRefinements(value, app[key]);
  }
  return out;
}

function operations(doc: Json): Map<string, Json> {
  const found = new Map<string, Json>();
  for (const [route, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of ['get', 'put', 'post', 'patch', 'delete', 'head', 'options']) {
      if (item[method])
        found.set(`${method.toUpperCase()} ${route}`, {
          ...item[method],
          parameters: [...(item.parameters ?? []), ...(item[method].parameters ?? [])],
        });
    }
  }
  return found;
}

/** One operation as the facts that code and contract must agree on. */
function operationFacts(op: Json, doc: Json) {
  const schema = (s: Json) => normaliseSchema(s, doc);
  const parameters = Object.fromEntries(
    op.parameters
      .map((p: Json) => resolveRef(doc, p))
      .map((p: Json) => [`${p.in}:${p.name}`, { required: Boolean(p.required), schema: schema(p.schema) }]),
  );
  const body = op.requestBody && resolveRef(doc, op.requestBody);
  const requestBody = body && {
    required: Boolean(body.required),
    content: Object.fromEntries(Object.entries<Json>(body.content).map(([type, media]) => [type, schema(media.schema)])),
  };
  const responses = Object.fromEntries(
    Object.entries<Json>(op.responses).map(([status, r]) => {
      const response = resolveRef(doc, r);
      return [
        status,
        {
          headers: Object.keys(response.headers ?? {})
            .map((h) => h.toLowerCase())
            .sort(),
          content: Object.fromEntries(Object.entries<Json>(response.content ?? {}).map(([type, media]) => [type, schema(media.schema)])),
        },
      ];
    }),
  );
  // Who may call it: the route's `role` (which installs the guard) against the contract's extensions.
  const access = { requiredRole: op['x-required-role'], selfAllowed: op['x-self-allowed'] };
  return {
    operationId: op.operationId,
    tags: op.tags,
    security: op.security ?? doc.security ?? [],
    access,
    parameters,
    requestBody,
    responses,
  };
}

/** Lists where the two disagree, as paths into the facts. */
function differences(expected: Json, actual: Json, at: string): string[] {
  if (isDeepStrictEqual(expected, actual)) return [];
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && !Array.isArray(expected)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((key) => differences(expected[key], actual[key], `${at}.${key}`));
  }
  return [`${at}: contract ${JSON.stringify(expected)} ≠ app ${JSON.stringify(actual)}`];
}

export function compareDocuments(contract: Json, appDoc: Json, pendingIds: string[]): DriftReport {
  const problems: string[] = [];
  const implemented: string[] = [];
  const pending: string[] = [];
  const contractOps = operations(contract);
  const appOps = operations(appDoc);
  // Routes refer to the contract's shared responses and headers by name (their content is the
  // contract's by construction); the schemas the app registers are its own and compared below.
  const appWithSharedComponents = {
    ...appDoc,
    components: { ...contract.components, schemas: { ...contract.components.schemas, ...appDoc.components?.schemas } },
  };
  for (const [key, op] of contractOps) {
    const isPending = pendingIds.includes(op.operationId);
    const appOp = appOps.get(key);
    if (!appOp) {
      if (isPending) pending.push(op.operationId);
      else problems.push(`${key} (${op.operationId}) is in the contract but the Worker does not implement it`);
      continue;
    }
    if (isPending) problems.push(`${op.operationId} is implemented: remove it from scripts/pending-operations.json`);
    implemented.push(op.operationId);
    const expected = operationFacts(op, contract);
    const actual = operationFacts(appOp, appWithSharedComponents);
    problems.push(...differences(tolerateRefinements(expected, actual), actual, `${key}`));
  }
  for (const [key, op] of appOps) {
    if (!contractOps.has(key))
      problems.push(`${key} (${op.operationId ?? 'no operationId'}) is served by the Worker but not in the contract`);
  }
  for (const id of pendingIds) {
    if (![...contractOps.values()].some((op) => op.operationId === id)) problems.push(`pending operation ${id} is not in the contract`);
  }
  // Components the app names must be the contract's components.
  for (const [name, appSchema] of Object.entries<Json>(appDoc.components?.schemas ?? {})) {
    const contractSchema = contract.components.schemas[name];
    if (!contractSchema) problems.push(`components.schemas.${name} is not in the contract`);
    else {
      const actual = normaliseSchema(appSchema, appDoc);
      problems.push(
        ...differences(tolerateRefinements(normaliseSchema(contractSchema, contract), actual), actual, `components.schemas.${name}`),
      );
    }
  }
  return { implemented, pending, problems };
}

/** The Worker's document, built in Node from the same route definitions it serves. */
export async function appDocument(contract: Json): Promise<Json> {
  const zodModule = await import('../generated/zod/zod.gen.ts');
  registerComponents(zodModule, contract);
  const { createApp } = await import('../src/app.ts');
  // The app is typed as what the Worker runs; here, in Node, it is the package's router, generator included.
  const app = createApp();
  if (!(app instanceof OpenAPIHono)) throw new Error("the drift check must run without the Worker's alias of @hono/zod-openapi");
  return app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: contract.info.title, version: contract.info.version } });
}

export async function driftReport(contractFile = path.join(ROOT, 'generated', 'openapi.internal.json')): Promise<DriftReport> {
  const contract = readJson(contractFile);
  return compareDocuments(contract, await appDocument(contract), readJson(PENDING_FILE));
}
