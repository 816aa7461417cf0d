// npm run generate: contract (openapi/) → everything under generated/.
//   openapi.json           the public bundle (x-internal operations removed), served at /openapi.json
//   openapi.internal.json  the whole contract, development operations included (server schemas, drift)
//   errors.ts              the error catalog as constants: the Worker's only source of error messages
//   client-operations.ts   one descriptor per public operation for the hand-written client (client/src)
//   client/                the client's types and response zod schemas (@hey-api/openapi-ts), from the public bundle
//   zod/                   zod 4 schemas the Worker validates with, from the whole contract
//   otlp-logs.pb.js, .d.ts protobufjs static code for OTLP logs (proto/), decoding the OTLP route's protobuf bodies
//   docs.html              the self-contained Redoc reference, served at /docs, with the guides of
//                          openapi/guides/ (tags with `x-guide`) and curl/TypeScript samples for every operation
// `--out DIR` writes into DIR instead (the staleness check regenerates into a temp dir and compares).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from '@hey-api/openapi-ts';
import { unstable_readConfig } from 'wrangler';
import { heyApiConfigs } from '../openapi-ts.config.ts';
import { renderClientOperations } from './client-operations.ts';
import { withCodeSamples } from './code-samples.ts';
import { ROOT, readJson, run, toJson } from './lib.ts';

type Scenario = { group: string; key: string; scenario: string; code: string; status: number; message: string };
type Catalog = { codes: Record<string, number>; scenarios: Scenario[] };

const outIndex = process.argv.indexOf('--out');
const OUT = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(ROOT, 'generated');

function catalogOf(bundle: any): Catalog {
  const schema = bundle.components.schemas.ErrorCode;
  const catalog: Catalog | undefined = schema['x-error-catalog'];
  if (!catalog) throw new Error('ErrorCode has no x-error-catalog');
  const codes = Object.keys(catalog.codes);
  if (codes.join() !== schema.enum.join())
    throw new Error(`x-error-catalog codes (${codes}) differ from the ErrorCode enum (${schema.enum})`);
  const fields = ['group', 'key', 'scenario', 'code', 'status', 'message'].join();
  for (const s of catalog.scenarios) {
    if (Object.keys(s).join() !== fields)
      throw new Error(`scenario ${JSON.stringify(s)} must have exactly: ${fields} (quote texts with commas)`);
    if (!codes.includes(s.code)) throw new Error(`scenario "${s.scenario}" uses unknown code ${s.code}`);
    if (catalog.codes[s.code] !== s.status && !(s.code === 'VALIDATION_ERROR' && s.status === 409))
      throw new Error(`scenario "${s.scenario}": ${s.code} is not ${s.status}`);
  }
  return catalog;
}

/** The reference's favicon: a log line on a lane. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f6feb"/><path d="M8 10h16M8 16h11M8 22h14" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>';

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The "Error codes" section of the reference, rendered from the ErrorCode schema. */
function errorCodesMarkdown(bundle: any, catalog: Catalog): string {
  const schema = bundle.components.schemas.ErrorCode;
  const lines = [
    'Every error response is an `ErrorEnvelope`: `success` is `false`, `data` is `null`, and `error` holds the code,',
    'a human-readable message, `details` (only for 400 VALIDATION_ERROR from schema validation: one',
    '`{ field, issue }` per failing field) and the `requestId` to quote when reporting a problem.',
    '',
    '| Code | HTTP status | Meaning |',
    '|---|---|---|',
    ...schema.enum.map((code: string, i: number) => `| \`${code}\` | ${catalog.codes[code]} | ${cell(schema['x-enum-descriptions'][i])} |`),
  ];
  for (const group of [...new Set(catalog.scenarios.map((s) => s.group))]) {
    lines.push('', `### ${group} errors`, '', '| Scenario | Code | Status | Message |', '|---|---|---|---|');
    for (const s of catalog.scenarios.filter((x) => x.group === group)) {
      lines.push(`| ${cell(s.scenario)} | \`${s.code}\` | ${s.status} | ${cell(s.message)} |`);
    }
  }
  lines.push('', '`forgot-password` and `magic-link` always answer 200, so that no one can learn which addresses have accounts.');
  return lines.join('\n');
}

function withErrorDocs(bundle: any, catalog: Catalog) {
  const tag = bundle.tags.find((t: { name: string }) => t.name === 'Error codes');
  tag.description = errorCodesMarkdown(bundle, catalog);
  return bundle;
}

/** The production vars (wrangler.jsonc's top level), which the guides quote as {{NAME}} (the rate limits). */
const productionVars = (): Record<string, string> =>
  unstable_readConfig({ config: path.join(ROOT, 'wrangler.jsonc') }).vars as Record<string, string>;

/**
 * Tags with `x-guide: <file>` get that markdown file of openapi/ as their description, {{VAR}}s
 * filled from wrangler.jsonc. Guides and "Error codes" are trait tags (text without operations);
 * `x-tagGroups` puts them first, then every other tag in contract order, so a new tag needs no entry.
 */
function withGuides(bundle: any) {
  const vars = productionVars();
  for (const tag of bundle.tags) {
    if (!tag['x-guide']) continue;
    tag.description = readFileSync(path.join(ROOT, 'openapi', tag['x-guide']), 'utf8').replace(/\{\{(\w+)\}\}/g, (_all, name: string) => {
      if (vars[name] === undefined) throw new Error(`${tag['x-guide']}: {{${name}}} is not a production var in wrangler.jsonc`);
      return Number.isNaN(Number(vars[name])) ? vars[name] : Number(vars[name]).toLocaleString('en');
    });
    delete tag['x-guide'];
  }
  const names = (guides: boolean) => bundle.tags.filter((tag: any) => (tag['x-traitTag'] === true) === guides).map((tag: any) => tag.name);
  bundle['x-tagGroups'] = [
    { name: 'Guides', tags: names(true) },
    { name: 'Reference', tags: names(false) },
  ];
  return bundle;
}

/** `const` without `type` renders as "any" in Redoc: the type of the constant is added (same meaning). */
function withConstTypes(node: any): any {
  if (Array.isArray(node)) node.forEach(withConstTypes);
  else if (node && typeof node === 'object') {
    if ('const' in node && node.type === undefined && node.const !== null)
      node.type = typeof node.const === 'number' ? 'number' : typeof node.const;
    Object.values(node).forEach(withConstTypes);
  }
  return node;
}

function errorsModule(catalog: Catalog): string {
  const messages: Record<string, { code: string; status: number; message: string }> = {};
  for (const s of catalog.scenarios) {
    const previous = messages[s.key];
    if (previous && (previous.message !== s.message || previous.status !== s.status))
      throw new Error(`scenario key ${s.key} names two different errors`);
    messages[s.key] = { code: s.code, status: s.status, message: s.message };
  }
  return [
    "// Generated by scripts/generate.ts from the ErrorCode schema's x-error-catalog. Do not edit.",
    `export const ERROR_STATUS = ${JSON.stringify(catalog.codes, null, 2)} as const;`,
    '',
    'export type ErrorCode = keyof typeof ERROR_STATUS;',
    '',
    '/** Every error the API can answer with: code, status and the exact message. */',
    `export const ERRORS = ${JSON.stringify(messages, null, 2)} as const;`,
    '',
    'export type ErrorKey = keyof typeof ERRORS;',
    '',
  ].join('\n');
}

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const bundles = { public: path.join(OUT, 'openapi.json'), internal: path.join(OUT, 'openapi.internal.json') };
  for (const [api, file] of Object.entries(bundles)) {
    run('redocly', ['bundle', api, '--output', file, '--ext', 'json']);
    const bundle = readJson(file);
    writeFileSync(file, toJson(withCodeSamples(withConstTypes(withGuides(withErrorDocs(bundle, catalogOf(bundle)))))));
  }
  // The Worker reports the contract version, and puts its own address in place of the contract's
  // server when serving the contract and the reference, without bundling the whole contract.
  const { info, servers } = readJson(bundles.public);
  writeFileSync(path.join(OUT, 'contract-version.json'), toJson({ version: info.version, serverUrl: servers[0].url }));
  writeFileSync(path.join(OUT, 'client-operations.ts'), renderClientOperations(readJson(bundles.public)));
  writeFileSync(path.join(OUT, 'errors.ts'), errorsModule(catalogOf(readJson(bundles.internal))));

  await createClient(
    heyApiConfigs.map((config) => ({
      ...config,
      input: path.join(OUT, path.basename(config.input)),
      output: { ...config.output, path: path.join(OUT, path.basename(config.output.path)) },
      logs: { ...config.logs, level: 'silent' as const },
      // Without this, createClient also loads openapi-ts.config.ts and runs every job twice.
      configFile: 'none',
    })),
  );

  // Decoders only where the Worker needs them: no verify/convert/delimited helpers, no services.
  const otlp = path.join(OUT, 'otlp-logs.pb.js');
  const protoFlags = ['--no-create', '--no-verify', '--no-convert', '--no-delimited', '--no-typeurl', '--no-service'];
  run('pbjs', [
    '-t',
    'static-module',
    '-w',
    'es6',
    ...protoFlags,
    '-p',
    path.join(ROOT, 'proto'),
    '-o',
    otlp,
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  ]);
  run('pbts', ['-o', otlp.replace(/\.js$/, '.d.ts'), otlp]);

  const docs = path.join(OUT, 'docs.html');
  run('redocly', ['build-docs', bundles.public, '--inlineBundle', '--output', docs, '--title', 'Loglane API reference']);
  // Redoc's "API docs by Redocly" badge links to a CDN logo (the page's one request beyond its
  // server): the logo is emptied and the badge hidden. Error codes stay on one line; a favicon.
  const head = [
    `<link rel="icon" href="data:image/svg+xml,${encodeURIComponent(FAVICON)}">`,
    '<style>span:has(> a[href^="https://redocly.com/redoc"]) { display: none; } td > code { white-space: nowrap; word-break: normal; }</style>',
  ].join('\n');
  const html = readFileSync(docs, 'utf8').replace(/https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(-full)?\.svg/g, 'data:,');
  writeFileSync(docs, html.replace('</head>', `${head}\n</head>`));
  // Only the contract and the reference are served as static assets.
  writeFileSync(path.join(OUT, '.assetsignore'), '*\n!openapi.json\n!docs.html\n');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
