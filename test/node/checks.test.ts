// Each check of `npm run check` is shown to fail on a mutated copy of the contract or the app.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkImportCycles } from '../../scripts/cycles.ts';
import { appDocument, compareDocuments, normaliseSchema } from '../../scripts/drift.ts';
import { checkWorkerTypes, ROOT, readJson, run, runAsync, runSteps, staleFiles } from '../../scripts/lib.ts';

const contract = readJson(path.join(ROOT, 'generated', 'openapi.internal.json'));
const pending: string[] = readJson(path.join(ROOT, 'scripts', 'pending-operations.json'));
const clone = <T>(value: T): T => structuredClone(value);

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'loglane-checks-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Lints a copy of the contract after `mutate` edits one of its files. */
function lintMutated(file: string, mutate: (text: string) => string): string {
  const dir = mkdtempSync(path.join(workDir, 'lint-'));
  cpSync(path.join(ROOT, 'openapi'), path.join(dir, 'openapi'), { recursive: true });
  cpSync(path.join(ROOT, 'scripts', 'redocly'), path.join(dir, 'scripts', 'redocly'), { recursive: true });
  cpSync(path.join(ROOT, 'redocly.yaml'), path.join(dir, 'redocly.yaml'));
  const target = path.join(dir, 'openapi', file);
  const before = readFileSync(target, 'utf8');
  const after = mutate(before);
  expect(after).not.toBe(before);
  writeFileSync(target, after);
  try {
    run('redocly', ['lint', '--format=summary'], { cwd: dir });
    return 'passed';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('running the checks', () => {
  it('reports a failing tool the same way whether it blocks or runs beside others', async () => {
    let blocking = '';
    try {
      run('tsc', ['--noSuchOption']);
    } catch (error) {
      blocking = (error as Error).message;
    }
    expect(blocking).toMatch(/^tsc --noSuchOption failed:\n.*noSuchOption/s);
    await expect(runAsync('tsc', ['--noSuchOption'])).rejects.toThrow(blocking);
  });

  it('runs the steps side by side in list order, lists outcomes in that order, and a failure stops no other step', async () => {
    const ended: string[] = [];
    const step = (name: string, ms: number, failure?: string) => ({
      name,
      run: async () => {
        await sleep(ms);
        ended.push(name);
        if (failure) throw new Error(failure);
        return `${name} note`;
      },
    });
    const steps = [step('slow', 300), step('fails', 20, 'it broke:\n  here'), step('quick', 20)];
    const outcomes = await runSteps(steps, 2);
    expect(ended).toEqual(['fails', 'quick', 'slow']);
    expect(outcomes.map((o) => o.passed)).toEqual([true, false, true]);
    expect(outcomes[0].line).toMatch(/^✓ slow \(\d+ ms\): slow note$/);
    expect(outcomes[1].line).toMatch(/^✗ fails \(\d+ ms\): it broke:\n {2}here$/);
    ended.length = 0;
    await runSteps(steps, 1);
    expect(ended).toEqual(['slow', 'fails', 'quick']);
  });
});

describe('lint', () => {
  it('passes on the contract as it is', () => {
    expect(() => run('redocly', ['lint', '--format=summary'])).not.toThrow();
  });

  it.each([
    [
      'an operation without a 500 response',
      'paths/v1_health.yaml',
      (t: string) => t.replace(/\n {4}"500":\n.*\n/, '\n'),
      'loglane/operation-error-responses',
    ],
    [
      'an authenticated operation without 401',
      'paths/v1_me.yaml',
      (t: string) => t.replace(/\n {4}"401":\n.*\n/, '\n'),
      'loglane/operation-error-responses',
    ],
    [
      'an operation without examples',
      'paths/v1_workspaces.yaml',
      (t: string) => t.replace(/examples:\n {12}default:/, 'x-no-examples:\n            default:'),
      'loglane/operation-examples',
    ],
    [
      'an error response that is not the envelope',
      'components/responses/NotFound.yaml',
      (t: string) => t.replace('ErrorEnvelope.yaml', 'User.yaml'),
      'rule/error-responses-use-envelope',
    ],
    [
      'a success response without the envelope',
      'paths/v1_me.yaml',
      (t: string) => t.replace('UserEnvelope.yaml', 'User.yaml'),
      'loglane/success-uses-envelope',
    ],
    [
      'an operation without operationId',
      'paths/v1_health.yaml',
      (t: string) => t.replace(/\n +operationId: getHealth/, ''),
      'operation-operationId',
    ],
    [
      'an operation without a tag',
      'paths/v1_health.yaml',
      (t: string) => t.replace(/\n +tags:\n +- Health/, ''),
      'rule/operation-has-one-tag',
    ],
    [
      'an example that contradicts its schema',
      'paths/v1_health.yaml',
      (t: string) => t.replace('status: ok', 'status: fine'),
      'no-invalid-media-type-examples',
    ],
  ])('fails on %s', (_name, file, mutate, rule) => {
    expect(lintMutated(file, mutate)).toContain(rule);
  });
});

describe('generated output is up to date', () => {
  it('finds a changed, a missing and an extra file', () => {
    const fresh = path.join(workDir, 'fresh');
    const committed = path.join(workDir, 'committed');
    cpSync(path.join(ROOT, 'generated'), fresh, { recursive: true });
    cpSync(path.join(ROOT, 'generated'), committed, { recursive: true });
    expect(staleFiles(fresh, committed)).toEqual([]);
    writeFileSync(
      path.join(committed, 'errors.ts'),
      readFileSync(path.join(committed, 'errors.ts'), 'utf8').replace('Invalid token', 'Bad token'),
    );
    rmSync(path.join(committed, 'contract-version.json'));
    writeFileSync(path.join(committed, 'hand-edited.ts'), 'export {};\n');
    expect(staleFiles(fresh, committed)).toEqual(['contract-version.json', 'errors.ts', 'hand-edited.ts']);
  });
});

describe('worker types are up to date', () => {
  it('passes as committed and fails once wrangler.jsonc gains a binding', async () => {
    await expect(checkWorkerTypes(ROOT)).resolves.toBeUndefined();
    const project = mkdtempSync(path.join(workDir, 'types-'));
    for (const file of ['.dev.vars.example', 'worker-configuration.d.ts']) cpSync(path.join(ROOT, file), path.join(project, file));
    for (const dir of ['src', 'node_modules']) symlinkSync(path.join(ROOT, dir), path.join(project, dir));
    const config = readFileSync(path.join(ROOT, 'wrangler.jsonc'), 'utf8');
    writeFileSync(path.join(project, 'wrangler.jsonc'), config.replace('"vars": {', '"vars": {\n    "NEW_SETTING": "on",'));
    await expect(checkWorkerTypes(project)).rejects.toThrow(/stale against wrangler.jsonc/);
  });
});

describe('drift between the Worker and the contract', () => {
  let appDoc: any;
  beforeAll(async () => {
    appDoc = await appDocument(contract);
  });

  it('finds none today', () => {
    expect(compareDocuments(contract, appDoc, pending).problems).toEqual([]);
  });

  it('catches a status code the Worker does not declare', () => {
    const mutated = clone(contract);
    mutated.paths['/v1/health'].get.responses['503'] = mutated.paths['/v1/health'].get.responses['500'];
    expect(compareDocuments(mutated, appDoc, pending).problems.join('\n')).toMatch(/GET \/v1\/health\.responses\.503/);
  });

  it('catches a schema constraint that differs', () => {
    const mutated = clone(contract);
    mutated.components.schemas.Health.properties.version.maxLength = 20;
    expect(compareDocuments(mutated, appDoc, pending).problems.join('\n')).toMatch(/maxLength/);
  });

  it('catches a response header the Worker does not send', () => {
    const mutated = clone(contract);
    mutated.paths['/v1/health'].get.responses['200'].headers['X-Extra'] = { schema: { type: 'string' } };
    expect(compareDocuments(mutated, appDoc, pending).problems.join('\n')).toMatch(/headers/);
  });

  it('catches a role the route does not enforce, in either document', () => {
    const transfer = (doc: any) => doc.paths['/v1/workspaces/{workspaceId}/transfer-ownership'].post;
    const removeMember = (doc: any) => doc.paths['/v1/workspaces/{workspaceId}/members/{userId}'].delete;
    // The contract's old mistake: "Owner only" in words, `member` in its extension.
    const mutated = clone(contract);
    transfer(mutated)['x-required-role'] = 'member';
    delete removeMember(mutated)['x-self-allowed'];
    const problems = compareDocuments(mutated, appDoc, pending).problems.join('\n');
    expect(problems).toContain('POST /v1/workspaces/{workspaceId}/transfer-ownership.access.requiredRole: contract "member" ≠ app "owner"');
    expect(problems).toContain('DELETE /v1/workspaces/{workspaceId}/members/{userId}.access.selfAllowed: contract undefined ≠ app true');
    // A route that lost its guard.
    const unguardedApp = clone(appDoc);
    delete transfer(unguardedApp)['x-required-role'];
    expect(compareDocuments(contract, unguardedApp, pending).problems.join('\n')).toContain(
      'transfer-ownership.access.requiredRole: contract "owner" ≠ app undefined',
    );
  });

  it('catches an operation that is neither implemented nor pending, and reports a pending one', () => {
    const withoutHealth = clone(appDoc);
    delete withoutHealth.paths['/v1/health'];
    expect(compareDocuments(contract, withoutHealth, pending).problems.join('\n')).toMatch(
      /\(getHealth\) is in the contract but the Worker does not implement it/,
    );
    const report = compareDocuments(contract, withoutHealth, [...pending, 'getHealth']);
    expect(report.problems).toEqual([]);
    expect(report.pending).toEqual(['getHealth']);
  });

  it('catches a route the contract does not have, and a pending entry that is already implemented', () => {
    const mutatedApp = clone(appDoc);
    mutatedApp.paths['/v1/secret'] = { get: { operationId: 'secret', responses: {} } };
    const problems = compareDocuments(contract, mutatedApp, [...pending, 'getHealth']).problems.join('\n');
    expect(problems).toMatch(/GET \/v1\/secret \(secret\) is served by the Worker but not in the contract/);
    expect(problems).toMatch(/getHealth is implemented: remove it/);
  });

  it('treats const and single-value enums, and type arrays and anyOf, as the same', () => {
    expect(normaliseSchema({ const: true }, {})).toEqual(normaliseSchema({ type: 'boolean', enum: [true] }, {}));
    expect(normaliseSchema({ type: ['string', 'null'], maxLength: 3 }, {})).toEqual(
      normaliseSchema({ anyOf: [{ type: 'null' }, { type: 'string', maxLength: 3 }] }, {}),
    );
  });
});

describe('import cycles', () => {
  it('finds none in src/ today', async () => {
    expect(await checkImportCycles()).toBe('no import cycle in src/');
  });

  it('catches a cycle, type-only imports included', async () => {
    const dir = path.join(workDir, 'cycles');
    mkdirSync(path.join(dir, 'routes'), { recursive: true });
    writeFileSync(path.join(dir, 'routes', 'index.ts'), "import { handler } from './handlers';\nexport const route = { handler };\n");
    writeFileSync(
      path.join(dir, 'routes', 'handlers.ts'),
      "import type { route } from './index';\nexport const handler = (r: typeof route) => r;\n",
    );
    writeFileSync(path.join(dir, 'leaf.ts'), 'export const leaf = 1;\n');
    // The one cycle, from whichever of its files the walk met first, and nothing else.
    await expect(checkImportCycles(dir)).rejects.toThrow(
      /^import cycles in src\/:\n {2}routes\/(index|handlers)\.ts → routes\/(handlers|index)\.ts → routes\/\1\.ts$/,
    );
  });
});
