// The `owasp` step of `npm run check` (Spectral + OWASP ruleset, .spectral.yaml) passes on the public
// bundle and fails on mutated copies of it. The mutations touch different places, so they are made
// in one copy that is linted once (Spectral takes seconds), and each is shown to be reported at its
// own location; the exemptions the ruleset grants are shown not to leak to other operations.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, toJson } from '../../scripts/lib.ts';
import { owaspLint, PUBLIC_BUNDLE } from '../../scripts/owasp.ts';

type Json = any;
const bundle: Json = readJson(PUBLIC_BUNDLE);

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'loglane-owasp-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Lints `doc` exactly as the owasp step does; returns Spectral's findings, or 'passed'. */
async function lint(doc: Json, name: string): Promise<string> {
  const dir = path.join(workDir, name);
  mkdirSync(dir, { recursive: true });
  // The ruleset's exemptions are JSON pointers into a file named openapi.json.
  const file = path.join(dir, 'openapi.json');
  writeFileSync(file, toJson(doc));
  try {
    await owaspLint(file);
    return 'passed';
  } catch (error) {
    return (error as Error).message;
  }
}

/** Spectral's text output has one finding a line: position, severity, rule, message, path. */
const findingsOf = (output: string) => output.split('\n').filter((line) => /^\s*\d+:\d+\s+(error|warning)\s/.test(line));
const reported = (output: string, rule: string, at: string) =>
  findingsOf(output).some((line) => line.includes(` ${rule} `) && line.trimEnd().endsWith(at));

describe('owasp', () => {
  it('passes on the public bundle as it is', async () => {
    expect(await lint(bundle, 'as-is')).toBe('passed');
  });

  describe('fails on a mutated bundle', () => {
    const mutations: Array<[string, (doc: Json) => void, string, string]> = [
      [
        'an unbounded string in a request body',
        (d) => delete d.components.schemas.Name.maxLength,
        'loglane-request-string-limit',
        'components.schemas.Name',
      ],
      [
        'an unbounded string in a query parameter',
        (d) => delete d.paths['/v1/logs'].get.parameters[5].schema.maxLength,
        'loglane-request-string-limit',
        'paths./v1/logs.get.parameters[5].schema',
      ],
      [
        'a request array without maxItems',
        (d) => delete d.components.schemas.LogBatchInput.properties.entries.maxItems,
        'loglane-request-array-limit',
        'components.schemas.LogBatchInput.properties.entries',
      ],
      [
        'a request integer without maximum',
        (d) => delete d.components.schemas.RetentionDays.maximum,
        'loglane-request-integer-limit',
        'components.schemas.RetentionDays',
      ],
      [
        'an operation without 429',
        (d) => delete d.paths['/v1/me'].get.responses['429'],
        'owasp:api4:2023-rate-limit-responses-429',
        'paths./v1/me.get.responses',
      ],
      [
        'a 429 without Retry-After',
        (d) => delete d.components.responses.TooManyRequests.headers['Retry-After'],
        'owasp:api4:2023-rate-limit-retry-after',
        'components.responses.TooManyRequests.headers',
      ],
      [
        'a success response without rate-limit headers',
        (d) => delete d.paths['/v1/workspaces'].post.responses['201'].headers['X-RateLimit-Limit'],
        'owasp:api4:2023-rate-limit',
        'paths./v1/workspaces.post.responses[201].headers',
      ],
      [
        'a read operation left without security',
        (d) => (d.paths['/v1/workspaces'].get.security = []),
        'owasp:api2:2023-read-restricted',
        'paths./v1/workspaces.get.security',
      ],
      [
        'a write operation left without security',
        (d) => (d.paths['/v1/auth/logout'].post.security = []),
        'owasp:api2:2023-write-restricted',
        'paths./v1/auth/logout.post.security',
      ],
      [
        'an API key in the query string',
        (d) => (d.components.securitySchemes.ApiKeyHeader.in = 'query'),
        'owasp:api2:2023-no-api-keys-in-url',
        'components.securitySchemes.ApiKeyHeader.in',
      ],
      [
        'a plain-http server that is not loopback',
        (d) => d.servers.push({ url: 'http://api.loglane.example', description: 'production', 'x-internal': false }),
        'loglane-server-https-except-loopback',
        'servers[1].url',
      ],
      [
        'a script tag in a description',
        (d) => (d.paths['/v1/me'].get.description += ' <script>alert(1)</script>'),
        'no-script-tags-in-markdown',
        'paths./v1/me.get.description',
      ],
    ];
    let output: string;
    beforeAll(async () => {
      const doc = structuredClone(bundle);
      for (const [, mutate] of mutations) mutate(doc);
      output = await lint(doc, 'mutated');
    });

    it.each(mutations)('%s', (_name, _mutate, rule, at) => {
      expect(output).not.toBe('passed');
      expect(reported(output, rule, at), `expected ${rule} at ${at} in:\n${output}`).toBe(true);
    });

    it('and reports nothing else', () => {
      const unexpected = findingsOf(output).filter(
        (line) => !mutations.some(([, , rule, at]) => line.includes(` ${rule} `) && line.trimEnd().endsWith(at)),
      );
      expect(unexpected).toEqual([]);
    });
  });

  it('keeps exemptions to the operations they name', async () => {
    // The 429 and security exemptions of health and the public auth operations do not cover a
    // look-alike operation, and a loopback http server is accepted only on loopback.
    const doc = structuredClone(bundle);
    doc.paths['/v1/health-copy'] = { get: structuredClone(bundle.paths['/v1/health'].get) };
    doc.paths['/v1/health-copy'].get.operationId = 'getHealthCopy';
    doc.servers.push({ url: 'http://localhost:8787', description: 'Local development on localhost', 'x-internal': false });
    const output = await lint(doc, 'exemptions');
    expect(reported(output, 'owasp:api4:2023-rate-limit-responses-429', 'paths./v1/health-copy.get.responses')).toBe(true);
    expect(reported(output, 'owasp:api2:2023-read-restricted', 'paths./v1/health-copy.get.security')).toBe(true);
    expect(output).not.toMatch(/paths\.\/v1\/health\.get|servers\[1\]/);
  });
});
