// Contract fuzzing, part 1: requests derived from the contract (generated/openapi.internal.json).
// Every operation is read from the contract, and fast-check arbitraries are built from its
// parameter and request-body JSON Schemas: valid values, then mutations of them (missing and
// extra fields, wrong types, boundary and over-limit sizes, odd unicode, bad formats), wrong
// content types, malformed and huge bodies, bad and foreign path ids, bad and missing credentials.
//
// Requests are symbolic: ids, emails, slugs and one-time tokens of the test world appear as
// placeholders (`{{id:A.workspace}}`, `{{email:B.owner}}`, `{{token:magic}}`…) that the sender
// resolves at send time (test/support/fuzz-world.ts), so a printed counterexample stays readable
// and the world can be rebuilt between runs without invalidating what was generated.
import fc from 'fast-check';
import spec from '../../generated/openapi.internal.json';
import { deref } from './contract';

type Json = any;
export const contract = spec as Json;

/** The component name of a `$ref` ("Id", "Email", …), if the node is one. */
const refName = (node: Json): string | undefined => (typeof node?.$ref === 'string' ? node.$ref.split('/').pop() : undefined);

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

type Param = { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required: boolean; schema: Json };
type AuthKind = 'none' | 'user' | 'apiKey';
export type Operation = {
  id: string;
  method: string;
  template: string;
  pathParams: Param[];
  queryParams: Param[];
  body?: { required: boolean; schema: Json; example?: unknown };
  /** Which credentials satisfy the operation's security (none: no credentials needed). */
  auth: Set<AuthKind>;
  statuses: string[];
};

function authOf(security: Json[] | undefined): Set<AuthKind> {
  const kinds = new Set<AuthKind>();
  for (const requirement of security ?? contract.security ?? []) {
    const names = Object.keys(requirement);
    if (names.length === 0) kinds.add('none');
    for (const name of names) kinds.add(name === 'UserJwt' ? 'user' : 'apiKey');
  }
  if (kinds.size === 0) kinds.add('none');
  return kinds;
}

/** Every operation of the contract, development-only ones included. */
export const OPERATIONS: Operation[] = Object.entries<Json>(contract.paths).flatMap(([template, item]) =>
  ['get', 'put', 'post', 'patch', 'delete']
    .filter((method) => item[method])
    .map((method) => {
      const operation = item[method];
      const params: Param[] = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p: Json) => {
        const param = deref(p);
        return { name: param.name, in: param.in, required: param.required === true, schema: param.schema };
      });
      const media = operation.requestBody ? deref(operation.requestBody) : undefined;
      return {
        id: operation.operationId as string,
        method: method.toUpperCase(),
        template,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        body: media
          ? {
              required: media.required === true,
              schema: media.content['application/json'].schema,
              example: media.content['application/json'].examples?.default?.value,
            }
          : undefined,
        auth: authOf(operation.security),
        statuses: Object.keys(operation.responses),
      };
    }),
);

// ---------------------------------------------------------------------------------------------
// Placeholders: values of the test world, resolved when a request is sent
// ---------------------------------------------------------------------------------------------

const TENANTS = ['A', 'B'] as const;
export type TenantName = (typeof TENANTS)[number];
const ID_KINDS = ['workspace', 'project', 'key', 'member', 'owner', 'invitation'] as const;
type IdKind = (typeof ID_KINDS)[number];
const PERSONAS = ['A.owner', 'A.member', 'B.owner', 'B.member', 'spare', 'candidate'] as const;
export type Persona = (typeof PERSONAS)[number];

const placeholder = (text: string) => `{{${text}}}`;
export const PLACEHOLDER = /\{\{([a-zA-Z0-9:._-]+)\}\}/g;

const idPlaceholder = (tenant: TenantName, kind: IdKind) => placeholder(`id:${tenant}.${kind}`);
/** The id kind a path or body parameter names. */
const ID_KIND_OF: Record<string, IdKind> = {
  workspaceId: 'workspace',
  projectId: 'project',
  keyId: 'key',
  userId: 'member',
  invitationId: 'invitation',
};

/** Ids of the world: mostly the right kind (own tenant first), sometimes the wrong kind. */
function worldIds(name: string | undefined): fc.Arbitrary<string> {
  const kind = (name && ID_KIND_OF[name]) || undefined;
  const right = kind
    ? [
        { weight: 6, arbitrary: fc.constant(idPlaceholder('A', kind)) },
        { weight: 3, arbitrary: fc.constant(idPlaceholder('B', kind)) },
        ...(kind === 'member' ? [{ weight: 2, arbitrary: fc.constantFrom(idPlaceholder('A', 'owner'), idPlaceholder('B', 'owner')) }] : []),
      ]
    : [];
  return fc.oneof(...right, {
    weight: 1,
    arbitrary: fc.constantFrom(...TENANTS).chain((t) => fc.constantFrom(...ID_KINDS.map((k) => idPlaceholder(t, k)))),
  });
}

const emailPlaceholders = fc.constantFrom(...PERSONAS.map((p) => placeholder(`email:${p}`)));

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

/** Characters that break naive code: NUL, lone surrogates, RTL and zero-width marks, emoji, BOM, quotes, combining marks. */
const ODD_UNICODE = [
  '\u0000',
  '\uD800',
  '\uDFFF',
  '\uDBFF\uDC00\uD800',
  '\u202E',
  '\u200F',
  '\u200B',
  '\u200D',
  '\uFEFF',
  '\uFFFF',
  '\u2028',
  '\u0085',
  '🦄',
  '👩‍👩‍👧‍👦',
  '🇺🇳',
  'e\u0301',
  'İ',
  'ß',
  '𝔘𝔫𝔦',
  '"',
  '\\',
  "'",
  '\n',
  '\t',
  '\r\n',
  '<script>',
  '%00',
  '../',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, literally.
  '${x}',
  '{{',
];

/** Strings of ordinary and odd characters. */
const mixedString = (maxUnits: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 8, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }) },
        { weight: 3, arbitrary: fc.constantFrom(...ODD_UNICODE) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }) },
      ),
      { maxLength: maxUnits },
    )
    .map((parts) => parts.join(''));

/** Length in code points, as JSON Schema counts it. */
const codePoints = (text: string) => [...text].length;
const fitCodePoints = (text: string, min: number, max: number) => {
  const points = [...text].slice(0, max);
  while (points.length < min) points.push('a');
  return points.join('');
};

/** A string exactly `length` code points long, built from a repeated unit. */
const repeatedTo = (unit: string, length: number) =>
  fitCodePoints(unit.repeat(Math.ceil(length / Math.max(1, codePoints(unit)))), length, length);

const plainEmail = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.stringMatching(/^[a-z]{2,10}$/), fc.constantFrom('test', 'example.com', 'co.uk'))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);

const INVALID_EMAILS = [
  'plainaddress',
  '@no-local.test',
  'user@',
  'user@@example.com',
  'a b@example.com',
  'user@exa mple.com',
  '',
  ' ',
  'user@example.com\u0000',
  '\u202Euser@example.com',
  'üser@exämple.com',
  'user@example..com',
  '<script>@x.io',
  'user@[127.0.0.1',
];

const isoDate = fc.date({ min: new Date('1970-01-02T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true });
const validDateTime = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: -90 * 24 * 60, max: 2 * 24 * 60 }).map((minutes) => new Date(Date.now() + minutes * 60_000).toISOString()),
  },
  { weight: 2, arbitrary: isoDate.map((d) => d.toISOString()) },
  {
    weight: 1,
    arbitrary: isoDate.map((d) =>
      d
        .toISOString()
        .replace('.000Z', '+05:30')
        .replace(/\.\d{3}Z$/, '-08:00'),
    ),
  },
  { weight: 1, arbitrary: isoDate.map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')) },
);
const INVALID_DATE_TIMES = [
  '2024-13-01T00:00:00Z',
  '2024-02-30T10:00:00Z',
  '2024-01-01',
  '2024-01-01T25:00:00Z',
  'yesterday',
  '1700000000',
  '',
  '2024-01-01T00:00:00',
  '+275760-09-13T00:00:00.000Z',
  '0000-00-00T00:00:00Z',
];

/** Cheap regex-directed mutation: insert characters a pattern like ours never allows. */
const patternBreakers = fc.constantFrom('A', ' ', '_', '.', 'é', '\u0000', '/', '-', '🦄', '%', '\u200B');

// ---------------------------------------------------------------------------------------------
// Values from JSON Schemas
// ---------------------------------------------------------------------------------------------

/** Where a value sits: the property or parameter name, for world-aware values (ids, emails, tokens). */
type Where = { name?: string; ref?: string };

const MAX_ARRAY = 4;

/**
 * How many arrays enclose the schema being built. Only the outermost array is generated at its
 * boundaries (a full 1,000-entry batch): nested full arrays (OTLP's records of attributes of
 * values) would multiply into bodies no test machine can hold.
 */
let arrayDepth = 0;
/** While set, text is generated short (no boundary sizes): the items of a full array. */
let short = false;
function shortTexts<T>(build: () => T): T {
  short = true;
  try {
    return build();
  } finally {
    short = false;
  }
}
function insideArray<T>(build: () => T): T {
  arrayDepth += 1;
  try {
    return build();
  } finally {
    arrayDepth -= 1;
  }
}

/**
 * The named schemas whose arbitraries are being built. A recursive schema (OTLP's AnyValue holds
 * AnyValues) is expanded once per path; deeper, it is the empty object (valid: nothing required)
 * or only the wrong-type mutation, so building terminates.
 */
const building = new Set<string>();
function once<T>(schemaNode: Json, build: () => fc.Arbitrary<T>, deeper: () => fc.Arbitrary<T>): fc.Arbitrary<T> {
  const name = refName(schemaNode);
  if (name === undefined) return build();
  if (building.has(name)) return deeper();
  building.add(name);
  try {
    return build();
  } finally {
    building.delete(name);
  }
}

/** Values that satisfy `schema` (placeholders stand for world values of the right shape). */
const validValue = (schemaNode: Json, where: Where = {}): fc.Arbitrary<unknown> =>
  once(
    schemaNode,
    () => validValueOf(schemaNode, where),
    () => fc.constant({}),
  );

function validValueOf(schemaNode: Json, where: Where): fc.Arbitrary<unknown> {
  const ref = refName(schemaNode) ?? where.ref;
  const schema = deref(schemaNode);
  if (schema === undefined || schema === true || (typeof schema === 'object' && Object.keys(schema).length === 0))
    return fc.jsonValue({ maxDepth: 2 });
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.oneOf ?? schema.anyOf;
  if (branches) return fc.oneof(...branches.map((b: Json) => validValue(b, { name: where.name })));
  const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type ?? (schema.properties ? 'object' : 'string')];
  if (types.length > 1) return fc.oneof(...types.map((type) => validValue({ ...schema, type }, where)));
  switch (types[0]) {
    case 'string':
      return validString(schema, ref, where.name);
    case 'integer': {
      const min = schema.minimum ?? -1_000_000;
      const max = schema.maximum ?? 1_000_000;
      return fc.oneof({ weight: 3, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.constantFrom(min, max) });
    }
    case 'number':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0, -0, 1e308, -1e-308, 0.1));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxItems = schema.maxItems ?? 20;
      const items = insideArray(() => validValue(schema.items, { name: where.name }));
      const small = schema.uniqueItems
        ? fc.uniqueArray(items, { minLength, maxLength: Math.min(maxItems, MAX_ARRAY), selector: (v) => JSON.stringify(v) })
        : fc.array(items, { minLength, maxLength: Math.min(maxItems, MAX_ARRAY) });
      // The upper boundary itself (a full 1,000-entry batch), now and then, of short values: a full
      // batch of boundary-sized strings nested in records (OTLP) would not fit in memory.
      const shortItems = arrayDepth === 0 ? shortTexts(() => insideArray(() => validValue(schema.items, { name: where.name }))) : items;
      const full = schema.uniqueItems ? small : fc.array(shortItems, { minLength: maxItems, maxLength: maxItems });
      return fc.oneof({ weight: 12, arbitrary: small }, { weight: maxItems > MAX_ARRAY && arrayDepth === 0 ? 1 : 0, arbitrary: full });
    }
    case 'object':
      return validObject(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validString(schema: Json, ref: string | undefined, name: string | undefined): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 256;
  if (ref === 'Id' || name === 'userId') {
    const random = fc
      .stringMatching(new RegExp(schema.pattern ?? '^[a-z]+_[A-Za-z0-9]+$'))
      .filter((s) => codePoints(s) >= min && codePoints(s) <= max);
    return fc.oneof({ weight: 5, arbitrary: worldIds(name) }, { weight: 1, arbitrary: random });
  }
  if (schema.format === 'email') {
    return fc.oneof(
      { weight: 4, arbitrary: emailPlaceholders },
      { weight: 1, arbitrary: emailPlaceholders.map((p) => p.replace('email:', 'EMAIL:')) },
      { weight: 3, arbitrary: plainEmail },
      { weight: 1, arbitrary: fc.constant(`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.io`.slice(0, max)) },
    );
  }
  if (schema.format === 'date-time') return validDateTime;
  if (ref === 'OneTimeToken' || name === 'token') {
    return fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(placeholder('token:magic'), placeholder('token:reset'), placeholder('token:verify')) },
      { weight: 2, arbitrary: fc.stringMatching(/^ott_[A-Za-z0-9]{32}$/) },
      { weight: 1, arbitrary: boundedText(min, max) },
    );
  }
  if (name === 'refreshToken')
    return fc.oneof(
      { weight: 2, arbitrary: fc.constant(placeholder('refresh')) },
      { weight: 2, arbitrary: fc.stringMatching(/^rt_[A-Za-z0-9]{32}$/) },
      { weight: 1, arbitrary: boundedText(min, max) },
    );
  if (name === 'provider')
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('github', 'google') },
      { weight: 1, arbitrary: fc.constantFrom('GitHub', 'gitlab', 'github ', 'google\u200B', '__proto__', 'constructor') },
      { weight: 1, arbitrary: boundedText(min, max) },
    );
  if (name === 'state') return fc.oneof(fc.constantFrom(placeholder('state:github'), placeholder('state:google')), boundedText(min, max));
  if (name === 'cursor')
    return fc.oneof(fc.constant(placeholder('cursor')), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), boundedText(Math.max(1, min), max));
  if (ref === 'Slug' || schema.pattern) {
    const regex = new RegExp(schema.pattern);
    const fresh = fc.stringMatching(regex).filter((s) => codePoints(s) >= min && codePoints(s) <= max);
    return ref === 'Slug'
      ? fc.oneof(
          { weight: 4, arbitrary: fresh },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              placeholder('slug:A.workspace'),
              placeholder('slug:B.workspace'),
              placeholder('slug:A.project'),
              placeholder('slug:B.project'),
            ),
          },
        )
      : fresh;
  }
  if (name === 'password' || ref === 'Password') return fc.oneof(fc.constant(placeholder('password:A.owner')), boundedText(min, max));
  return boundedText(min, max);
}

/** Text of min..max code points: short mixed text, the exact boundaries, and (for long limits) sizes near them. */
function boundedText(min: number, max: number): fc.Arbitrary<string> {
  if (short) return mixedString(Math.min(max, 24)).map((s) => fitCodePoints(s, min, max));
  const unit = fc.constantFrom('a', 'é', '🦄', '\u200B', 'Z9 ', '\uD800', '\u202Eabc');
  return fc.oneof(
    { weight: 8, arbitrary: mixedString(Math.min(max, 24)).map((s) => fitCodePoints(s, min, max)) },
    { weight: 1, arbitrary: unit.map((u) => repeatedTo(u, max)) },
    { weight: 1, arbitrary: unit.map((u) => repeatedTo(u, min)) },
    { weight: max > 64 ? 1 : 0, arbitrary: fc.integer({ min, max }).chain((n) => unit.map((u) => repeatedTo(u, n))) },
  );
}

function validObject(schema: Json): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, Json> = schema.properties ?? {};
  const required = new Set<string>(schema.required ?? []);
  const names = Object.keys(properties);
  if (names.length === 0 && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    // A dictionary (log attributes): property names and count as the schema says.
    const names = deref(schema.propertyNames ?? {});
    const key = fc
      .oneof(
        { weight: 4, arbitrary: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.]{0,15}$/) },
        { weight: 1, arbitrary: mixedString(6) },
        { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'a'.repeat(names.maxLength ?? 64)) },
      )
      .map((k) => fitCodePoints(k, names.minLength ?? 0, names.maxLength ?? 64));
    const maxKeys = schema.maxProperties ?? 8;
    return fc.oneof(
      {
        weight: 6,
        arbitrary: fc.dictionary(key, validValue(schema.additionalProperties), { maxKeys: Math.min(maxKeys, 5), noNullPrototype: true }),
      },
      {
        weight: 1,
        arbitrary: fc
          .uniqueArray(key, { minLength: maxKeys, maxLength: maxKeys })
          .map((keys) => Object.fromEntries(keys.map((k, i) => [k, i]))),
      },
    );
  }
  const record = fc.record(Object.fromEntries(names.map((name) => [name, validValue(properties[name], { name })])), {
    requiredKeys: names.filter((name) => required.has(name)),
  });
  const minProperties = schema.minProperties ?? 0;
  return minProperties > 0 ? record.filter((value) => Object.keys(value).length >= minProperties) : record;
}

/** Values that break `schema`, one way at a time (and sometimes several). */
const invalidValue = (schemaNode: Json, where: Where = {}): fc.Arbitrary<unknown> =>
  once(
    schemaNode,
    () => invalidValueOf(schemaNode, where),
    () => wrongType(deref(schemaNode)),
  );

function invalidValueOf(schemaNode: Json, where: Where): fc.Arbitrary<unknown> {
  const ref = refName(schemaNode) ?? where.ref;
  const schema = deref(schemaNode);
  const mutations: fc.WeightedArbitrary<unknown>[] = [{ weight: 2, arbitrary: wrongType(schema) }];
  if (schema?.enum) {
    const values = schema.enum.map(String);
    mutations.push({
      weight: 4,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            ...values.map((v: string) => v.toUpperCase()),
            ...values.map((v: string) => `${v}\u200B`),
            ...values.map((v: string) => ` ${v}`),
            'owner',
            'root',
            '*',
            '',
          ),
          mixedString(8),
        )
        .filter((v) => !schema.enum.includes(v)),
    });
  }
  const branches = schema?.oneOf ?? schema?.anyOf;
  if (branches) mutations.push({ weight: 6, arbitrary: fc.oneof(...branches.map((b: Json) => invalidValue(b, { name: where.name }))) });
  const type = Array.isArray(schema?.type) ? schema.type[0] : (schema?.type ?? (schema?.properties ? 'object' : undefined));
  if (type === 'string' && !schema.enum) mutations.push({ weight: 6, arbitrary: invalidString(schema, ref, where.name) });
  if (type === 'integer' || type === 'number') {
    const bounds: number[] = [];
    if (schema.minimum !== undefined) bounds.push(schema.minimum - 1, -(2 ** 53), schema.minimum - 0.5);
    if (schema.maximum !== undefined) bounds.push(schema.maximum + 1, 2 ** 53 + 2, 1e300);
    if (type === 'integer') bounds.push(1.5, -0.000001);
    if (bounds.length) mutations.push({ weight: 6, arbitrary: fc.constantFrom(...bounds) });
  }
  if (type === 'array') mutations.push({ weight: 6, arbitrary: invalidArray(schema, where.name) });
  if (type === 'object') mutations.push({ weight: 8, arbitrary: invalidObject(schema) });
  return fc.oneof(...mutations);
}

/** A JSON value of another type than the schema allows. */
function wrongType(schema: Json): fc.Arbitrary<unknown> {
  const allowed = new Set<string>(Array.isArray(schema?.type) ? schema.type : schema?.type ? [schema.type] : []);
  if (schema?.properties || schema?.oneOf) allowed.add('object');
  const candidates: [string, fc.Arbitrary<unknown>][] = [
    ['string', fc.constantFrom('', 'true', '1', 'null', '[]', '{}')],
    ['integer', fc.constantFrom(0, 1, -1, 42)],
    ['number', fc.constantFrom(0.5, -1.25, 1e-7)],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.constantFrom([], [1], ['a'], [null], [{}])],
    ['object', fc.constantFrom({}, { a: 1 }, { '': '' }, { __proto__: null })],
  ];
  const usable = candidates.filter(
    ([type]) => !allowed.has(type) && !(type === 'integer' && allowed.has('number')) && !(type === 'number' && allowed.has('number')),
  );
  return fc.oneof(...usable.map(([, arbitrary]) => arbitrary));
}

function invalidString(schema: Json, ref: string | undefined, name: string | undefined): fc.Arbitrary<string> {
  const min = schema.minLength;
  const max = schema.maxLength;
  const options: fc.WeightedArbitrary<string>[] = [];
  if (min !== undefined && min > 0)
    options.push({ weight: 3, arbitrary: fc.constantFrom('a', '🦄', '\u0000').map((u) => repeatedTo(u, min - 1)) });
  if (max !== undefined) {
    options.push({ weight: 3, arbitrary: fc.constantFrom('a', 'é', '🦄', '\u200B').map((u) => repeatedTo(u, max + 1)) });
    options.push({ weight: 1, arbitrary: fc.constant('x'.repeat(max * 4 + 7)) });
  }
  if (schema.format === 'email')
    options.push({ weight: 5, arbitrary: fc.oneof(fc.constantFrom(...INVALID_EMAILS), fc.constant(`${'a'.repeat(250)}@b.io`)) });
  if (schema.format === 'date-time') options.push({ weight: 5, arbitrary: fc.constantFrom(...INVALID_DATE_TIMES) });
  if (schema.pattern) {
    const regex = new RegExp(schema.pattern);
    const base = ref === 'Id' || name === 'userId' ? fc.stringMatching(regex).filter((s) => s.length < 40) : fc.stringMatching(regex);
    options.push({
      weight: 5,
      arbitrary: fc
        .tuple(base, patternBreakers, fc.nat())
        .map(([valid, breaker, at]) => {
          const i = at % (valid.length + 1);
          return valid.slice(0, i) + breaker + valid.slice(i);
        })
        .filter((s) => !regex.test(s)),
    });
    options.push({
      weight: 1,
      arbitrary: fc.constantFrom('', '-', 'a', 'ABC', 'ws_', '_abc', 'ws__x', 'ws_a/b', '..', 'ws_%00').filter((s) => !regex.test(s)),
    });
  }
  if (options.length === 0) options.push({ weight: 1, arbitrary: fc.constant('') }); // unconstrained: nothing to break but the type
  return fc.oneof(...options);
}

function invalidArray(schema: Json, name: string | undefined): fc.Arbitrary<unknown[]> {
  const outermost = arrayDepth === 0;
  const item = insideArray(() => validValue(schema.items, { name }));
  const bad = insideArray(() => invalidValue(schema.items, { name }));
  const options: fc.WeightedArbitrary<unknown[]>[] = [
    { weight: 3, arbitrary: fc.tuple(fc.array(item, { maxLength: 2 }), bad).map(([ok, wrong]) => [...ok, wrong]) },
  ];
  if (schema.maxItems !== undefined && outermost)
    options.push({ weight: 2, arbitrary: fc.array(item, { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 1 }) });
  if ((schema.minItems ?? 0) > 0)
    options.push({ weight: 2, arbitrary: fc.array(item, { minLength: schema.minItems - 1, maxLength: schema.minItems - 1 }) });
  if (schema.uniqueItems) options.push({ weight: 2, arbitrary: item.map((v) => [v, v]) });
  return fc.oneof(...options);
}

const EXTRA_KEYS = [
  'extra',
  'isAdmin',
  'role',
  'ownerId',
  'id',
  'projectId',
  '__proto__',
  'constructor',
  '',
  ' ',
  'name ',
  'Name',
  '\u202Ename',
  'ü',
  '🦄',
  'a.b',
  '$where',
];

function invalidObject(schema: Json): fc.Arbitrary<unknown> {
  const properties: Record<string, Json> = schema.properties ?? {};
  const names = Object.keys(properties);
  const required: string[] = schema.required ?? [];
  const valid = validObject(schema);
  const options: fc.WeightedArbitrary<unknown>[] = [];
  if (required.length) {
    options.push({ weight: 3, arbitrary: fc.tuple(valid, fc.constantFrom(...required)).map(([value, drop]) => omit(value, drop)) });
    options.push({ weight: 1, arbitrary: fc.constant({}) });
  }
  if (schema.additionalProperties === false) {
    options.push({
      weight: 3,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...EXTRA_KEYS.filter((k) => !names.includes(k))), fc.jsonValue({ maxDepth: 1 }))
        .map(([value, key, extra]) => {
          const copy: Record<string, unknown> = { ...(value as object) };
          Object.defineProperty(copy, key, { value: extra, enumerable: true, configurable: true, writable: true });
          return copy;
        }),
    });
  }
  if (names.length) {
    options.push({
      weight: 5,
      arbitrary: fc
        .constantFrom(...names)
        .chain((name) =>
          fc.tuple(valid, invalidValue(properties[name], { name })).map(([value, bad]) => ({ ...(value as object), [name]: bad })),
        ),
    });
  }
  if ((schema.minProperties ?? 0) > 0) options.push({ weight: 2, arbitrary: fc.constant({}) });
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    const max = schema.maxProperties ?? 32;
    const propertyNames = deref(schema.propertyNames ?? {});
    options.push({ weight: 2, arbitrary: fc.constant(Object.fromEntries(Array.from({ length: max + 1 }, (_, i) => [`k${i}`, i]))) });
    options.push({
      weight: 2,
      arbitrary: fc.constantFrom('', 'k'.repeat((propertyNames.maxLength ?? 64) + 1)).map((key) => ({ [key]: 'v' })),
    });
    options.push({
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom('a', 'nested'), invalidValue(schema.additionalProperties)).map(([key, bad]) => ({ [key]: bad })),
    });
  }
  return fc.oneof(...options);
}

const omit = (value: unknown, key: string) => Object.fromEntries(Object.entries(value as object).filter(([k]) => k !== key));

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** Who calls: symbolic, resolved by the world when the request is sent. */
export type Credential =
  | { kind: 'none' }
  | { kind: 'jwt'; user: 'A.owner' | 'A.member' | 'B.owner' }
  | { kind: 'key'; key: 'A' | 'B' | 'A.read' | 'A.write' | 'A.revoked'; via: 'bearer' | 'header' }
  | { kind: 'bad'; what: BadCredential }
  | { kind: 'both'; user: 'A.owner'; key: 'A' };

/** Credentials that must never get in (ghostUser: correctly signed, for a user that does not exist). */
const BAD_CREDENTIALS = [
  'garbage',
  'expired',
  'algNone',
  'wrongKey',
  'wrongAudience',
  'wrongIssuer',
  'missingSid',
  'hs512',
  'ghostUser',
  'basicScheme',
  'emptyBearer',
  'unknownKey',
  'hugeKey',
  'oddKeyHeader',
] as const;
export type BadCredential = (typeof BAD_CREDENTIALS)[number];

/** A body as sent: JSON of a value, raw text, a generated huge body, or none. */
type Body =
  | { kind: 'json'; value: unknown; contract: 'valid' | 'mutated' }
  | { kind: 'text'; text: string }
  | { kind: 'huge'; bytes: number; shape: 'json' | 'junk' }
  | { kind: 'none' };

type QueryPart = { name: string; value: string; raw?: boolean };

/** One generated request, before placeholders are resolved. */
export type FuzzRequest = {
  op: string;
  pathParams: Record<string, string>;
  /** Parameters whose value goes into the path verbatim, not percent-encoded (e.g. `%2F`, `%ZZ`, `..`). */
  rawPathParams?: string[];
  query: QueryPart[];
  credential: Credential;
  body: Body;
  /** undefined: application/json when there is a body; null: no Content-Type header. */
  contentType?: string | null;
  /** Send the body as a stream of unknown length (no Content-Length). */
  stream?: boolean;
};

const BODY_LIMIT_BYTES: Record<string, number> = { ingestLogs: 16 * 1024 * 1024, exportOtlpLogs: 16 * 1024 * 1024 };
export const bodyLimitOf = (op: Operation) => BODY_LIMIT_BYTES[op.id] ?? 64 * 1024;

const MALFORMED_JSON = [
  '',
  '{',
  '}',
  '[',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  'null',
  'true',
  '0',
  '"text"',
  '[]',
  '[{}]',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '\u0000',
  '\uFEFF{}',
  '{"a":"\\uD800"}',
  '{"a":NaN}',
  '{"a":1e400}',
  '{"__proto__":{"admin":true}}',
  '{"a":"\u0000"}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `{"a":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
];
const OTHER_CONTENT_TYPES = [
  null,
  '',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-16',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/jsonx',
  'application/json, text/plain',
  '*/*',
];

/** Each part of a request, three ways: valid, mutated, or anything at all. */
type Parts<T> = { valid: fc.Arbitrary<T>; mutated: fc.Arbitrary<T>; any: fc.Arbitrary<T> };

function bodyParts(op: Operation): Parts<Body> {
  const none = fc.constant<Body>({ kind: 'none' });
  if (!op.body) {
    // A body the operation does not take (never on GET, which fetch refuses).
    const stray =
      op.method === 'GET' ? none : fc.jsonValue({ maxDepth: 2 }).map<Body>((value) => ({ kind: 'json', value, contract: 'mutated' }));
    return { valid: none, mutated: stray, any: fc.oneof({ weight: 8, arbitrary: none }, { weight: 1, arbitrary: stray }) };
  }
  const schema = op.body.schema;
  const limit = bodyLimitOf(op);
  const valid = validValue(schema).map<Body>((value) => ({ kind: 'json', value, contract: 'valid' }));
  const mutated = fc.oneof(
    { weight: 10, arbitrary: invalidValue(schema).map<Body>((value) => ({ kind: 'json', value, contract: 'mutated' })) },
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...MALFORMED_JSON), mixedString(12)).map<Body>((text) => ({ kind: 'text', text })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(-64, 1, 4096, limit), fc.constantFrom<'json' | 'junk'>('json', 'junk'))
        .map<Body>(([delta, shape]) => ({ kind: 'huge', bytes: limit + delta, shape })),
    },
    { weight: 1, arbitrary: none },
  );
  return { valid, mutated, any: fc.oneof({ weight: 1, arbitrary: valid }, { weight: 1, arbitrary: mutated }) };
}

function credentialParts(op: Operation): Parts<Credential> {
  const users = (weights: [number, number, number]) =>
    fc.oneof(
      ...(['A.owner', 'A.member', 'B.owner'] as const).map((user, i) => ({
        weight: weights[i],
        arbitrary: fc.constant<Credential>({ kind: 'jwt', user }),
      })),
    );
  const via = fc.constantFrom<'bearer' | 'header'>('bearer', 'header');
  const keys = (names: ('A' | 'B' | 'A.read' | 'A.write' | 'A.revoked')[]) =>
    fc.tuple(fc.constantFrom(...names), via).map<Credential>(([key, v]) => ({ kind: 'key', key, via: v }));
  const bad = fc.constantFrom(...BAD_CREDENTIALS).map<Credential>((what) => ({ kind: 'bad', what }));
  const none = fc.constant<Credential>({ kind: 'none' });
  const valid = fc.oneof(
    ...(op.auth.has('none') ? [{ weight: 4, arbitrary: none }] : []),
    ...(op.auth.has('user') ? [{ weight: 4, arbitrary: users([6, 2, 1]) }] : []),
    ...(op.auth.has('apiKey') ? [{ weight: 4, arbitrary: keys(['A', 'A', 'A', 'B']) }] : []),
  );
  const mutated = fc.oneof(
    { weight: 4, arbitrary: bad },
    { weight: 2, arbitrary: op.auth.has('none') && !op.auth.has('user') ? users([1, 1, 1]) : none },
    { weight: 2, arbitrary: keys(['A.read', 'A.write', 'A.revoked']) },
    { weight: op.auth.has('apiKey') ? 2 : 0, arbitrary: users([1, 1, 1]) },
    { weight: op.auth.has('user') ? 2 : 0, arbitrary: keys(['A', 'B']) },
    { weight: 1, arbitrary: fc.constant<Credential>({ kind: 'both', user: 'A.owner', key: 'A' }) },
  );
  return { valid, mutated, any: fc.oneof(valid, mutated, users([1, 1, 1]), keys(['A', 'B', 'A.read', 'A.write', 'A.revoked'])) };
}

const RAW_PATH_SEGMENTS = [
  '%2F',
  '..',
  '.',
  '%2e%2e',
  '%00',
  '%ZZ',
  '%',
  '%ED%A0%80',
  'ws_abc%20',
  '%E2%80%AE',
  'ws_abc;x=1',
  'ws_abc%3Fq',
];

type PathValue = { value: string; raw: boolean };

function pathParamParts(param: Param): Parts<PathValue> {
  const cooked = (arb: fc.Arbitrary<unknown>) =>
    arb.map<PathValue>((v) => ({ value: typeof v === 'string' ? v : JSON.stringify(v), raw: false }));
  const valid = cooked(validValue(param.schema, { name: param.name }));
  const mutated = fc.oneof(
    { weight: 6, arbitrary: cooked(invalidValue(param.schema, { name: param.name })) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_PATH_SEGMENTS).map<PathValue>((value) => ({ value, raw: true })) },
  );
  return { valid, mutated, any: fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: mutated }) };
}

const RAW_QUERY_VALUES = ['%', '%ZZ', '%ED%A0%80', '%00', '%C0%AF', '+', '%2B', 'a%26b%3Dc', '%E2%80%AE'];

function queryParamParts(param: Param): Parts<QueryPart[]> {
  const schema = deref(param.schema);
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const values = (arb: fc.Arbitrary<unknown>) =>
    arb.map((v): QueryPart[] =>
      schema.type === 'array' && Array.isArray(v)
        ? v.map((item) => ({ name: param.name, value: text(item) }))
        : [{ name: param.name, value: text(v) }],
    );
  const absent = fc.constant<QueryPart[]>([]);
  const valid = param.required
    ? values(validValue(param.schema, { name: param.name }))
    : fc.oneof(absent, values(validValue(param.schema, { name: param.name })));
  const mutated = fc.oneof(
    { weight: 6, arbitrary: values(invalidValue(param.schema, { name: param.name })) },
    { weight: param.required ? 2 : 0, arbitrary: absent },
    {
      weight: 1,
      arbitrary: fc
        .tuple(validValue(param.schema, { name: param.name }), invalidValue(param.schema, { name: param.name }))
        .map(([a, b]) => [
          { name: param.name, value: text(a) },
          { name: param.name, value: text(b) },
        ]),
    },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_QUERY_VALUES).map((value) => [{ name: param.name, value, raw: true }]) },
  );
  return { valid, mutated, any: fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: mutated }) };
}

const extraQuery = fc
  .tuple(fc.constantFrom('extra', 'PROJECTID', 'source[]', '__proto__', 'limit ', ''), mixedString(6))
  .map<QueryPart[]>(([name, value]) => [{ name, value }]);
const contentTypes = fc.constantFrom<string | null | undefined>(...OTHER_CONTENT_TYPES);

type Drawn = {
  pathParams: (readonly [string, PathValue])[];
  query: QueryPart[][];
  credential: Credential;
  body: Body;
  contentType: string | null | undefined;
  stream: boolean;
};

/**
 * Requests for one operation of the contract, in three kinds: valid in every part (so that deep
 * code runs), valid but for exactly one mutated part (which the server must refuse), and every
 * part drawn independently (anything at all).
 */
export function requestsFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const paths = op.pathParams.map((p) => ({ name: p.name, parts: pathParamParts(p) }));
  const queries = op.queryParams.map(queryParamParts);
  const credential = credentialParts(op);
  const body = bodyParts(op);
  const stream = fc.integer({ min: 0, max: 9 }).map((n) => n === 0); // one body in ten without a length

  const pick = (mode: 'valid' | 'any', mutate?: string): fc.Arbitrary<Drawn> =>
    fc.record({
      pathParams: fc.tuple(
        ...paths.map(({ name, parts }) => (mutate === `path:${name}` ? parts.mutated : parts[mode]).map((v) => [name, v] as const)),
      ),
      query: fc.tuple(
        ...queries.map((parts, i) => (mutate === `query:${i}` ? parts.mutated : parts[mode])),
        mutate === 'query:extra' || mode === 'any'
          ? fc.oneof({ weight: mode === 'any' ? 6 : 0, arbitrary: fc.constant<QueryPart[]>([]) }, { weight: 1, arbitrary: extraQuery })
          : fc.constant<QueryPart[]>([]),
      ),
      credential: mutate === 'credential' ? credential.mutated : credential[mode],
      body: mutate === 'body' ? body.mutated : body[mode],
      contentType:
        mutate === 'contentType'
          ? contentTypes
          : mode === 'any'
            ? fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: contentTypes })
            : fc.constant(undefined),
      stream: mode === 'any' ? stream : fc.constant(false),
    });

  const targets = [
    ...paths.map(({ name }) => `path:${name}`),
    ...queries.map((_, i) => `query:${i}`),
    'query:extra',
    'credential',
    ...(op.body ? ['body', 'contentType', 'body'] : []),
  ];
  return fc
    .oneof(
      { weight: 4, arbitrary: pick('valid') },
      { weight: 5, arbitrary: fc.constantFrom(...targets).chain((target) => pick('valid', target)) },
      { weight: 2, arbitrary: pick('any') },
    )
    .map(({ pathParams, query, credential, body, contentType, stream }) => {
      const request: FuzzRequest = {
        op: op.id,
        pathParams: Object.fromEntries(pathParams.map(([name, v]) => [name, v.value])),
        query: query.flat(),
        credential,
        body,
      };
      const raw = pathParams.filter(([, v]) => v.raw).map(([name]) => name);
      if (raw.length) request.rawPathParams = raw;
      if (contentType !== undefined && body.kind !== 'none') request.contentType = contentType;
      if (stream && body.kind !== 'none') request.stream = true;
      return request;
    });
}
