// The `breaking` step of `npm run check`: the public bundle against the released contract. Breaking
// changes fail unless info.version's major goes up; additive changes pass. Each case also says which
// detector caught it: optic, or our own check for what optic misses (tightened request constraints,
// security schemes).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakingReport, CURRENT, checkBreaking, RELEASED, verdict } from '../../scripts/breaking.ts';
import { readJson, toJson } from '../../scripts/lib.ts';

type Json = any;
const released: Json = readJson(RELEASED);
const schemas = (doc: Json) => doc.components.schemas;
const nextMajor = (version: string) => `${Number(version.split('.')[0]) + 1}.0.0`;
const nextMinor = (version: string) => version.replace(/^(\d+)\.(\d+)\..*$/, (_m, major, minor) => `${major}.${Number(minor) + 1}.0`);

let workDir: string;
let releasedFile: string;
beforeAll(() => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'loglane-breaking-test-'));
  releasedFile = path.join(workDir, 'released.json');
  writeFileSync(releasedFile, toJson(released));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Writes a mutated copy of the released contract and returns its path. */
function mutated(name: string, mutate: (doc: Json) => void, version?: (v: string) => string): string {
  const doc = structuredClone(released);
  mutate(doc);
  if (version) doc.info.version = version(released.info.version);
  const dir = path.join(workDir, name);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'openapi.json');
  writeFileSync(file, toJson(doc));
  return file;
}

const outcomeOf = (run: () => string) => {
  try {
    return `passed: ${run()}`;
  } catch (error) {
    return (error as Error).message;
  }
};
const outcome = (file: string) => outcomeOf(() => checkBreaking(releasedFile, file));

it('passes on the current bundle against the released contract', () => {
  expect(() => checkBreaking(RELEASED, CURRENT)).not.toThrow();
});

describe('breaking changes', () => {
  const cases: Array<[string, (doc: Json) => void, 'optic' | 'tightened', RegExp]> = [
    ['removing an operation', (d) => delete d.paths['/v1/me'].get, 'optic', /GET \/v1\/me: \[prevent operation removal\]/],
    [
      'removing a response property',
      (d) => {
        delete schemas(d).Workspace.properties.slug;
        schemas(d).Workspace.required = schemas(d).Workspace.required.filter((p: string) => p !== 'slug');
      },
      'optic',
      /GET \/v1\/workspaces\/\{workspaceId\}: \[prevent removing response property\] cannot remove response property 'slug'/,
    ],
    [
      'making an optional request property required',
      (d) => schemas(d).CreateProjectRequest.required.push('retentionDays'),
      'optic',
      /POST \/v1\/workspaces\/\{workspaceId\}\/projects: \[prevent changing request property to required\]/,
    ],
    [
      'tightening a request maxLength',
      (d) => (schemas(d).Name.maxLength = 50),
      'tightened',
      /POST \/v1\/auth\/register: request body \(application\/json\)\.name: maxLength 100 → 50/,
    ],
    [
      'tightening a request pattern',
      (d) => (schemas(d).Slug.pattern = '^[a-z]{3,48}$'),
      'tightened',
      /POST \/v1\/workspaces: request body \(application\/json\)\.slug: pattern/,
    ],
    [
      'lowering a request maxItems',
      (d) => (schemas(d).LogBatchInput.properties.entries.maxItems = 10),
      'tightened',
      /POST \/v1\/logs: request body \(application\/json\)\.oneOf\[1\]\.entries: maxItems 1000 → 10/,
    ],
    [
      'renaming the API-key header',
      (d) => (d.components.securitySchemes.ApiKeyHeader.name = 'X-Key'),
      'tightened',
      /POST \/v1\/logs: security \{"ApiKeyHeader":\["logs:write"\]\} is no longer accepted/,
    ],
  ];

  it.each(cases)('fails on %s', (name, mutate, detector, expected) => {
    const report = breakingReport(releasedFile, mutated(`break-${name}`, mutate));
    expect(outcomeOf(() => verdict(report))).toMatch(expected);
    expect(report[detector].join('\n')).toMatch(expected);
  });

  it('optic alone misses tightened request constraints (hence our own check)', () => {
    const report = breakingReport(
      releasedFile,
      mutated('optic-misses', (d) => {
        schemas(d).Name.maxLength = 50;
        schemas(d).Password.minLength = 12;
        schemas(d).RetentionDays.maximum = 365;
      }),
    );
    expect(report.optic).toEqual([]);
    expect(report.tightened.join('\n')).toMatch(/maxLength 100 → 50[\s\S]*minLength 8 → 12|minLength 8 → 12[\s\S]*maxLength 100 → 50/);
    expect(report.tightened.join('\n')).toMatch(/retentionDays: maximum 3650 → 365/);
  });

  it.each(cases)('passes on %s with a major version bump', (name, mutate) => {
    expect(outcome(mutated(`major-${name}`, mutate, nextMajor))).toMatch(/^passed: major version .* breaking changes allowed/);
  });

  it('refuses a version that goes backwards', () => {
    const file = mutated(
      'backwards',
      () => {},
      () => '0.9.0',
    );
    expect(outcome(file)).toMatch(/info\.version went backwards/);
  });
});

describe('additive changes', () => {
  it('pass: a new optional response property', () => {
    const file = mutated('add-property', (d) => (schemas(d).Workspace.properties.color = { type: 'string', maxLength: 7 }), nextMinor);
    expect(outcome(file)).toMatch(/^passed: \d+ operations changed since .*, none breaking/);
  });

  it('pass: a new operation', () => {
    const file = mutated('add-operation', (d) => {
      d.paths['/v1/workspaces/{workspaceId}/stats'] = {
        get: { ...structuredClone(released.paths['/v1/workspaces/{workspaceId}'].get), operationId: 'getWorkspaceStats' },
      };
    });
    expect(outcome(file)).toBe('passed: 1 operations changed since 1.0.0, none breaking'.replace('1.0.0', released.info.version));
  });

  it('pass: loosening a request constraint', () => {
    expect(outcome(mutated('loosen', (d) => (schemas(d).Name.maxLength = 200)))).toMatch(/^passed: .* none breaking/);
  });
});

it('says how to fix a missing released contract', () => {
  expect(() => checkBreaking(path.join(workDir, 'nowhere', 'openapi.json'), CURRENT)).toThrow(
    /is missing: copy generated\/openapi.json there/,
  );
});
