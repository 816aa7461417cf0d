// What `wrangler deploy` ships: @hono/zod-openapi's routing and validation without its OpenAPI
// document generator (wrangler.jsonc "alias" → src/lib/openapi-runtime.ts). The contract is a
// static file, so the generator and the zod locales it keeps alive must not reach production.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run } from '../../scripts/lib.ts';

let outDir: string;
let bundle: string;
beforeAll(() => {
  outDir = mkdtempSync(path.join(os.tmpdir(), 'loglane-bundle-'));
  run('wrangler', ['deploy', '--dry-run', '--outdir', outDir]);
  bundle = readFileSync(path.join(outDir, 'index.js'), 'utf8');
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the production Worker bundle', () => {
  it('has no OpenAPI document generator', () => {
    expect(bundle).not.toContain('OpenApiGeneratorV3');
    expect(bundle).not.toContain('getOpenAPI31Document');
  });

  it('has no zod locales (only the default English messages)', () => {
    // Distinctive (ASCII, so not escaped by the minifier) messages of two locales zod ships.
    expect(bundle).not.toMatch(/Ongeldige invoer|Input non valido/);
  });

  it('still validates requests with zod through @hono/zod-validator', () => {
    expect(bundle).toContain('Unsupported Media Type');
    expect(bundle).toMatch(/safeParseAsync/);
  });
});

describe('src/lib/openapi-runtime.ts', () => {
  it('mirrors the @hono/zod-openapi that is installed (re-read its `openapi` method before changing this)', () => {
    const installed = createRequire(path.join(ROOT, 'package.json'))('@hono/zod-openapi/package.json').version;
    expect(readFileSync(path.join(ROOT, 'src/lib/openapi-runtime.ts'), 'utf8')).toContain(`@hono/zod-openapi ${installed} `);
  });
});
