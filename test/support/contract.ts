// Every response a test sees goes through here: it is checked against the bundled contract
// (generated/openapi.internal.json) with an independent JSON Schema validator, not our zod.
import { Validator } from '@cfworker/json-schema';
import spec from '../../generated/openapi.internal.json';

const BASE = 'https://contract.loglane.test/openapi.json';
type Json = any;
const doc = spec as Json;

/** The node a `$ref` of the contract points to (followed until it is not a reference). */
export function deref(node: Json): Json {
  let at = node;
  for (let hops = 0; at?.$ref && hops < 32; hops++) {
    at = (at.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce((parent: Json, key: string) => parent?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  }
  return at;
}

const templates = Object.keys(doc.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  literalChars: template.replace(/\{[^}]+\}/g, '').length,
}));

/** The contract operation a request is for, or undefined for paths the contract does not have. */
export function operationFor(method: string, pathname: string): { template: string; operation: Json } | undefined {
  const matches = templates.filter((t) => t.pattern.test(pathname)).sort((a, b) => b.literalChars - a.literalChars);
  for (const { template } of matches) {
    const operation = doc.paths[template][method.toLowerCase()];
    if (operation) return { template, operation };
  }
  return undefined;
}

const validators = new Map<Json, Validator>();
function validatorFor(schema: Json): Validator {
  let validator = validators.get(schema);
  if (!validator) {
    const rooted = schema.$ref ? { $ref: `${BASE}${schema.$ref}` } : schema;
    validator = new Validator(rooted, '2020-12', false);
    validator.addSchema(doc, BASE);
    validators.set(schema, validator);
  }
  return validator;
}

export function schemaErrors(schema: Json, value: unknown): string[] {
  const result = validatorFor(schema).validate(value);
  return result.valid ? [] : result.errors.map((e) => `${e.instanceLocation}: ${e.error}`);
}

const errorEnvelopeSchema = { $ref: '#/components/schemas/ErrorEnvelope' };

/**
 * Throws unless the response is one the contract declares for this request: a declared status,
 * a body that matches its schema, and every required header. Requests to paths the contract does
 * not have must get the 404 error envelope.
 */
export function assertMatchesContract(method: string, url: string, status: number, headers: Headers, body: unknown): void {
  const { pathname } = new URL(url);
  const problems: string[] = [];
  if (!headers.get('x-request-id')) problems.push('no X-Request-Id header');
  const match = operationFor(method, pathname);
  if (!match) {
    if (status !== 404) problems.push(`no operation for ${method} ${pathname}, yet status ${status}`);
    problems.push(...schemaErrors(errorEnvelopeSchema, body));
  } else {
    const response = deref(match.operation.responses[String(status)]);
    if (!response) {
      problems.push(`${match.operation.operationId} does not declare status ${status}`);
    } else {
      for (const [name, header] of Object.entries<Json>(response.headers ?? {})) {
        if (deref(header).required && headers.get(name) === null) problems.push(`missing required header ${name}`);
      }
      const contentType = headers.get('content-type')?.split(';')[0] ?? '';
      const media = response.content?.[contentType];
      if (response.content && !media) problems.push(`content type ${contentType} not declared for ${status}`);
      if (media?.schema && contentType === 'application/json') problems.push(...schemaErrors(media.schema, body));
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `Contract violation for ${method} ${pathname} → ${status}:\n  ${problems.join('\n  ')}\n  body: ${JSON.stringify(body)?.slice(0, 500)}`,
    );
  }
}
