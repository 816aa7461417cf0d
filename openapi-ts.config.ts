/**
 * @hey-api/openapi-ts 0.99 configuration for Loglane.
 *
 * Run from the project root:  npx openapi-ts -f openapi-ts.config.ts
 *
 * Job 1: public contract  ./generated/openapi.json          -> ./generated/client
 *        types.gen.ts + zod.gen.ts (response schemas) for the hand-written client (client/src);
 *        hey-api's own fetch client and sdk are not generated: nothing ships them.
 * Job 2: internal contract ./generated/openapi.internal.json -> ./generated/zod
 *        zod.gen.ts only (imported by the Hono / @hono/zod-openapi Worker)
 *
 * All zod customisation is done through the zod plugin's `$resolvers` hooks
 * (`'~resolvers'` is the deprecated alias of the same hooks in 0.99); the
 * generated text is never post-processed.
 *
 * NOTE: input paths must keep the leading "./" - in 0.99 a bare "a/b.json"
 * (exactly two segments) is interpreted as a Hey API registry shorthand
 * ("organization/project") and fetched over the network.
 */
import { $, defineConfig, type Plugins, type UserConfig } from '@hey-api/openapi-ts';

type ZodResolvers = Plugins.Zod.Resolvers;
type ResolverCtx = Parameters<NonNullable<ZodResolvers['object']>>[0];
type SchemaPath = ReadonlyArray<string | number>;

/** Request layers whose values arrive as strings on the server. */
const PARAM_LAYERS = new Set(['path', 'query', 'headers']);

/** Unwraps the `Ref<path>` the walker hands to resolvers. */
function pathOf(ctx: { path: unknown }): SchemaPath {
  const p = ctx.path as { '~ref'?: SchemaPath } | SchemaPath;
  return (Array.isArray(p) ? p : ((p as { '~ref'?: SchemaPath })['~ref'] ?? [])) as SchemaPath;
}

/**
 * True when the schema being rendered is (inside) an operation path/query/header
 * parameter: ['paths', route, method, 'query' | 'path' | 'headers', ...]
 * or a reusable parameter: ['components', 'parameters', Name, ...].
 * Request bodies live under [..., method, 'body', ...] and never match.
 */
function isParamPath(path: SchemaPath): boolean {
  if (path[0] === 'paths' || path[0] === 'webhooks') {
    return PARAM_LAYERS.has(String(path[3]));
  }
  return path[0] === 'components' && path[1] === 'parameters';
}

/** The synthesized per-layer object itself: ['paths', route, method, layer]. */
function isParamLayerObject(path: SchemaPath): boolean {
  return path.length === 4 && path[0] === 'paths' && PARAM_LAYERS.has(String(path[3]));
}

/**
 * Looks up the raw (pre-IR) OpenAPI node for a component-schema path, used to
 * recover keywords the IR drops (maxProperties / minProperties).
 */
function rawComponentSchema(ctx: Pick<ResolverCtx, 'path' | 'plugin'>): Record<string, unknown> | undefined {
  const path = pathOf(ctx);
  if (path[0] !== 'components' || path[1] !== 'schemas') return undefined;
  let node: unknown = (ctx.plugin as unknown as { context?: { spec?: unknown } }).context?.spec;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

const zodResolvers: ZodResolvers = {
  /**
   * (a) `additionalProperties: false`  ->  z.strictObject({...})
   * (+) maxProperties / minProperties on component schemas -> .refine(...)
   * (+) query/path/header objects: a property that $refs a numeric component
   *     schema is inlined so the number resolver below can coerce it.
   */
  object(ctx) {
    const { schema } = ctx;
    const z = ctx.plugin.imports.z;
    const path = pathOf(ctx);
    let chain: ReturnType<NonNullable<ZodResolvers['object']>> | undefined;

    if (isParamLayerObject(path) && schema.properties) {
      const properties = { ...schema.properties };
      let patched = false;
      for (const [name, property] of Object.entries(properties)) {
        if (!property.$ref) continue;
        try {
          const target = ctx.plugin.context.resolveIrRef<typeof property>(property.$ref);
          if (target.type === 'integer' || target.type === 'number') {
            const { $ref: _ref, ...rest } = property;
            properties[name] = { ...target, ...rest };
            patched = true;
          }
        } catch {
          // unresolved $ref: keep the reference as-is
        }
      }
      if (patched) {
        chain = $(z)
          .attr('object')
          .call(ctx.nodes.shape({ ...ctx, schema: { ...schema, properties } }));
      }
    } else if (schema.additionalProperties === false || (schema.additionalProperties && schema.additionalProperties.type === 'never')) {
      chain = $(z).attr('strictObject').call(ctx.nodes.shape(ctx));
    }

    const raw = rawComponentSchema(ctx);
    // (+) propertyNames length limits (dropped by the IR) on a map-like component schema:
    //     z.record(z.string().min(a).max(b), <value schema>)
    const names = raw?.propertyNames as { minLength?: number; maxLength?: number } | undefined;
    const values = names && !schema.properties ? ctx.nodes.additionalProperties(ctx) : undefined;
    if (names && values) {
      let key = $(z).attr('string').call();
      if (names.minLength !== undefined) key = key.attr('min').call($.literal(names.minLength));
      if (names.maxLength !== undefined) key = key.attr('max').call($.literal(names.maxLength));
      chain = $(z).attr('record').call(key, values);
    }
    const max = typeof raw?.maxProperties === 'number' ? raw.maxProperties : undefined;
    const min = typeof raw?.minProperties === 'number' ? raw.minProperties : undefined;
    if (max === undefined && min === undefined) return chain;

    chain ??= ctx.nodes.base(ctx);
    const keyCount = $('Object').attr('keys').call($('o')).attr('length');
    if (max !== undefined) {
      chain = chain.attr('refine').call(
        $.func()
          .param('o')
          .do($.return(keyCount.lte($.literal(max)))),
        $.object().prop('message', $.literal(`Expected at most ${max} ${max === 1 ? 'property' : 'properties'}`)),
      );
    }
    if (min !== undefined) {
      chain = chain.attr('refine').call(
        $.func()
          .param('o')
          .do($.return(keyCount.gte($.literal(min)))),
        $.object().prop('message', $.literal(`Expected at least ${min} ${min === 1 ? 'property' : 'properties'}`)),
      );
    }
    return chain;
  },

  /**
   * (b) integer/number in a path/query/header parameter:
   *     z.coerce.number().int().gte(..).lte(..)   (bodies keep z.int()/z.number()).
   *     `const` and int64/bigint formats fall through to the default resolver.
   */
  number(ctx) {
    if (!isParamPath(pathOf(ctx))) return undefined;
    if (ctx.schema.const !== undefined) return undefined;
    if (ctx.utils.shouldCoerceToBigInt(ctx.schema.format)) return undefined; // already z.coerce.bigint()
    const z = ctx.plugin.imports.z;
    ctx.chain.current = $(z).attr('coerce').attr('number').call();
    if (ctx.schema.type === 'integer') ctx.chain.current = ctx.chain.current.attr('int').call();
    const min = ctx.nodes.min(ctx);
    if (min) ctx.chain.current = min;
    const max = ctx.nodes.max(ctx);
    if (max) ctx.chain.current = max;
    return ctx.chain.current;
  },

  /**
   * (+) boolean in a path/query/header parameter:
   *     z.union([z.boolean(), z.stringbool()]) - accepts real booleans (SDK
   *     request validator) and "true"/"false"/"1"/"0"/... strings (server).
   *     Bodies keep z.boolean().
   */
  boolean(ctx) {
    if (!isParamPath(pathOf(ctx)) || ctx.schema.const !== undefined) return undefined;
    const z = ctx.plugin.imports.z;
    return $(z)
      .attr('union')
      .call($.array($(z).attr('boolean').call(), $(z).attr('stringbool').call()));
  },

  /**
   * (+) array query/header parameter (style form, explode: true): Hono hands a
   *     single occurrence (?level=info) over as a plain string, so wrap it:
   *     z.preprocess((v) => Array.isArray(v) ? v : [v], z.array(...))
   */
  array(ctx) {
    const path = pathOf(ctx);
    const z = ctx.plugin.imports.z;
    // (+) uniqueItems (dropped by the IR) on component schemas -> .refine(...)
    if (rawComponentSchema(ctx)?.uniqueItems === true) {
      ctx.chain.current = ctx.nodes.base(ctx);
      const minItems = ctx.nodes.minLength(ctx);
      if (minItems) ctx.chain.current = minItems;
      const maxItems = ctx.nodes.maxLength(ctx);
      if (maxItems) ctx.chain.current = maxItems;
      const unique = $.new('Set', $('a')).attr('size').eq($('a').attr('length'));
      return ctx.chain.current
        .attr('refine')
        .call($.func().param('a').do($.return(unique)), $.object().prop('message', $.literal('Expected unique items')));
    }
    if (!(path[0] === 'paths' && (path[3] === 'query' || path[3] === 'headers') && path.length === 6)) {
      return undefined;
    }
    ctx.chain.current = ctx.nodes.base(ctx);
    const length = ctx.nodes.length(ctx);
    if (length) {
      ctx.chain.current = length;
    } else {
      const minItems = ctx.nodes.minLength(ctx);
      if (minItems) ctx.chain.current = minItems;
      const maxItems = ctx.nodes.maxLength(ctx);
      if (maxItems) ctx.chain.current = maxItems;
    }
    const wrap = $.func()
      .param('v')
      .do(
        $.return(
          $.ternary($('Array').attr('isArray').call($('v')))
            .do($('v'))
            .otherwise($.array($('v'))),
        ),
      );
    return $(z).attr('preprocess').call(wrap, ctx.chain.current);
  },
};

/** Shared output settings: no formatter/linter, no tsconfig sniffing, clean dir. */
const output = (path: string) =>
  ({
    clean: true,
    path,
    postProcess: [],
    tsConfigPath: null,
  }) as const;

/**
 * The two jobs as a plain array (synchronous, for scripts that call
 * `createClient()` themselves). `defineConfig()` in 0.99 is async: the default
 * export below is a Promise and must be awaited when imported.
 */
export const heyApiConfigs = [
  {
    input: './generated/openapi.json',
    interactive: false,
    logs: { file: false },
    output: output('./generated/client'),
    plugins: [
      { name: '@hey-api/typescript' },
      {
        name: 'zod',
        compatibilityVersion: 4,
        // RFC 3339 allows any UTC offset, not only `Z`.
        dates: { offset: true },
        // The client validates responses only (@loglane/client/validate); the Worker validates requests.
        requests: false,
        $resolvers: zodResolvers,
      },
    ],
  },
  {
    input: './generated/openapi.internal.json',
    interactive: false,
    logs: { file: false },
    output: output('./generated/zod'),
    plugins: [
      {
        name: 'zod',
        compatibilityVersion: 4,
        dates: { offset: true },
        $resolvers: zodResolvers,
      },
    ],
  },
] satisfies ReadonlyArray<UserConfig>;

export default defineConfig(heyApiConfigs);
