// The breaking-change gate: the public bundle (generated/openapi.json) against the last released
// contract (openapi/released/openapi.json). A breaking change fails unless info.version's major is
// greater than the released one's.
//
// Two detectors, because neither is enough alone:
//   optic      `optic diff <released> <current> --check` (offline, no telemetry): removed operations,
//              status codes and response properties, response properties made optional, type
//              changes, enum changes, request properties and query parameters made required.
//   tightened  our own, for what optic does not check: tighter constraints on request bodies and
//              parameters (maxLength, minLength, maximum, minimum, maxItems, minItems,
//              maxProperties, pattern, format, const, enum, additionalProperties: false), and
//              operations that stop accepting a security alternative (scheme, header name, scopes).
//
// Optic needs ~9 s of CPU for the whole bundle, so it is given only what differs (compared with
// every $ref resolved): the operations that differ and, within them, the responses, request body
// and parameters that differ. A part identical in both documents cannot break; with nothing
// changed since the release, optic is not run at all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { BIN, ROOT, readJson, refTarget, toJson } from './lib.ts';

type Json = any;

export const RELEASED = path.join(ROOT, 'openapi', 'released', 'openapi.json');
export const CURRENT = path.join(ROOT, 'generated', 'openapi.json');
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];

export type BreakingReport = {
  released: string;
  current: string;
  /** The current major is greater than the released one: breaking changes are allowed. */
  majorBump: boolean;
  /** Operations that differ ("METHOD /path", added and removed included). */
  changed: string[];
  /** Breaking changes optic reports. */
  optic: string[];
  /** Breaking changes our own check reports (request constraints, security). */
  tightened: string[];
};

const major = (version: unknown) => {
  const match = /^(\d+)\./.exec(String(version ?? ''));
  if (!match) throw new Error(`info.version "${version}" is not a semantic version`);
  return Number(match[1]);
};

/** A copy of `node` with every local $ref replaced by its target (siblings of $ref win, as in 3.1). */
function dereference(doc: Json, node: Json, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((item) => dereference(doc, item, seen));
  if (!node || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string' && !seen.includes(node.$ref)) {
    const { $ref, ...siblings } = node;
    const resolved = dereference(doc, refTarget(doc, $ref), [...seen, $ref]);
    return { ...resolved, ...dereference(doc, siblings, seen) };
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, dereference(doc, value, seen)]));
}

/** What a client must send for a security scheme (descriptions and bearerFormat are documentation). */
function schemeIdentity(scheme: Json): Json {
  if (!scheme) return null;
  const { type, in: location, name, flows, openIdConnectUrl } = scheme;
  return {
    type,
    scheme: scheme.scheme?.toLowerCase(),
    in: location,
    name: location === 'header' ? name?.toLowerCase() : name,
    flows,
    openIdConnectUrl,
  };
}

type Operation = { key: string; path: string; method: string; op: Json; params: Json[]; security: Json[] };

/** Every operation, dereferenced, with its path-level parameters and its security alternatives resolved. */
function operations(doc: Json): Map<string, Operation> {
  const result = new Map<string, Operation>();
  for (const [route, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of METHODS) {
      if (!item[method]) continue;
      const op = dereference(doc, item[method]);
      const own = op.parameters ?? [];
      const shared = dereference(doc, item.parameters ?? []).filter(
        (p: Json) => !own.some((o: Json) => o.in === p.in && o.name === p.name),
      );
      const security = (op.security ?? doc.security ?? []).map((requirement: Json) =>
        Object.fromEntries(
          Object.entries<Json>(requirement).map(([name, scopes]) => [
            name,
            { scheme: schemeIdentity(doc.components?.securitySchemes?.[name]), scopes },
          ]),
        ),
      );
      const key = `${method.toUpperCase()} ${route}`;
      result.set(key, { key, path: route, method, op, params: [...own, ...shared], security });
    }
  }
  return result;
}

/**
 * Copies of both documents that keep only what differs: operations that differ, and within an
 * operation in both, the responses, request body and parameters that differ (compared resolved).
 * A part identical on both sides yields no change, so optic has nothing to report about it.
 */
function onlyChanged(released: Json, current: Json, changed: Set<string>): [Json, Json] {
  const [a, b] = [structuredClone(released), structuredClone(current)];
  for (const doc of [a, b]) {
    for (const [route, item] of Object.entries<Json>(doc.paths ?? {})) {
      for (const method of METHODS) if (item[method] && !changed.has(`${method.toUpperCase()} ${route}`)) delete item[method];
      if (!METHODS.some((method) => item[method])) delete doc.paths[route];
    }
  }
  const same = (x: Json, y: Json) => isDeepStrictEqual(dereference(released, x), dereference(current, y));
  for (const [route, itemA] of Object.entries<Json>(a.paths ?? {})) {
    const itemB = b.paths?.[route];
    for (const method of METHODS) {
      const [opA, opB] = [itemA[method], itemB?.[method]];
      if (!opA || !opB) continue;
      for (const status of Object.keys(opA.responses ?? {})) {
        if (opB.responses?.[status] && same(opA.responses[status], opB.responses[status])) {
          delete opA.responses[status];
          delete opB.responses[status];
        }
      }
      if (opA.requestBody && opB.requestBody && same(opA.requestBody, opB.requestBody)) {
        delete opA.requestBody;
        delete opB.requestBody;
      }
      const paramsA = dereference(released, opA.parameters ?? []);
      const paramsB = dereference(current, opB.parameters ?? []);
      const keep = (mine: Json[], theirs: Json[]) => mine.filter((p) => !theirs.some((q) => isDeepStrictEqual(p, q)));
      [opA.parameters, opB.parameters] = [keep(paramsA, paramsB), keep(paramsB, paramsA)];
    }
  }
  return [a, b];
}

/** Optic's failed checks, as "METHOD /path: [rule] message" lines. */
function runOptic(released: Json, current: Json): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loglane-breaking-'));
  try {
    writeFileSync(path.join(dir, 'released.json'), toJson(released));
    writeFileSync(path.join(dir, 'current.json'), toJson(current));
    const result = spawnSync(BIN('optic'), ['diff', 'released.json', 'current.json', '--check'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, OPTIC_TELEMETRY_LEVEL: 'none', CI: 'true' },
    });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    const failures: string[] = [];
    let operation = '';
    for (const line of output.split('\n')) {
      const header = /^[x✔] ((?:GET|PUT|POST|PATCH|DELETE|HEAD|OPTIONS|TRACE) \S+):/.exec(line);
      if (header) operation = header[1];
      const failure = /^\s*x (\[.+)$/.exec(line);
      if (failure) failures.push(`${operation || 'document'}: ${failure[1].trim()}`);
    }
    // Exit 1 with failed checks is a breaking change; anything else non-zero is optic failing.
    if (result.status !== 0 && !(result.status === 1 && failures.length)) {
      throw new Error(`optic diff failed (exit ${result.status ?? result.signal}):\n${output}`);
    }
    // A removed operation also fails every check on what it contained; its removal says it all.
    const removed = new Set(failures.filter((f) => f.includes('[prevent operation removal]')).map((f) => f.slice(0, f.indexOf(': ['))));
    return [...new Set(failures)].filter((f) => !removed.has(f.slice(0, f.indexOf(': ['))) || f.includes('[prevent operation removal]'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const UPPER = ['maxLength', 'maxItems', 'maxProperties', 'maximum', 'exclusiveMaximum'];
const LOWER = ['minLength', 'minItems', 'minProperties', 'minimum', 'exclusiveMinimum'];
const show = (value: unknown) => (value === undefined ? 'none' : JSON.stringify(value));

/** Constraints of a request schema that the current contract makes stricter. */
function tighterRequestSchema(before: Json, after: Json, where: string, out: string[]) {
  if (!before || !after || typeof before !== 'object' || typeof after !== 'object') return;
  for (const key of UPPER) {
    if (after[key] !== undefined && (before[key] === undefined || after[key] < before[key]))
      out.push(`${where}: ${key} ${show(before[key])} → ${show(after[key])}`);
  }
  for (const key of LOWER) {
    if (after[key] !== undefined && (before[key] === undefined || after[key] > before[key]))
      out.push(`${where}: ${key} ${show(before[key])} → ${show(after[key])}`);
  }
  for (const key of ['pattern', 'format', 'const']) {
    if (after[key] !== undefined && !isDeepStrictEqual(after[key], before[key]))
      out.push(`${where}: ${key} ${show(before[key])} → ${show(after[key])}`);
  }
  if (Array.isArray(after.enum)) {
    const dropped = Array.isArray(before.enum)
      ? before.enum.filter((v: unknown) => !after.enum.some((w: unknown) => isDeepStrictEqual(v, w)))
      : null;
    if (!dropped) out.push(`${where}: enum none → ${show(after.enum)}`);
    else if (dropped.length) out.push(`${where}: enum no longer accepts ${dropped.map(show).join(', ')}`);
  }
  if (after.additionalProperties === false && before.additionalProperties !== false)
    out.push(`${where}: additionalProperties ${show(before.additionalProperties)} → false`);
  for (const name of Object.keys(after.properties ?? {})) {
    if (before.properties?.[name]) tighterRequestSchema(before.properties[name], after.properties[name], `${where}.${name}`, out);
  }
  for (const key of ['items', 'additionalProperties', 'propertyNames', 'contains']) {
    if (typeof before[key] === 'object' && typeof after[key] === 'object')
      tighterRequestSchema(before[key], after[key], `${where}.${key}`, out);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf', 'prefixItems']) {
    (after[key] ?? []).forEach((schema: Json, i: number) => tighterRequestSchema(before[key]?.[i], schema, `${where}.${key}[${i}]`, out));
  }
}

/** Request constraints made stricter, and security alternatives no longer accepted, per operation. */
function tightened(before: Operation, after: Operation): string[] {
  const out: string[] = [];
  for (const [type, media] of Object.entries<Json>(after.op.requestBody?.content ?? {})) {
    const old = before.op.requestBody?.content?.[type];
    if (old) tighterRequestSchema(old.schema, media.schema, `${after.key}: request body (${type})`, out);
  }
  for (const param of after.params) {
    const old = before.params.find((p) => p.in === param.in && p.name === param.name);
    if (old) tighterRequestSchema(old.schema, param.schema, `${after.key}: ${param.in} parameter ${param.name}`, out);
  }
  // A client that used one of the released ways to authenticate must still be accepted.
  for (const alternative of before.security) {
    if (!after.security.some((a) => isDeepStrictEqual(a, alternative))) {
      out.push(
        `${after.key}: security ${JSON.stringify(Object.fromEntries(Object.entries<Json>(alternative).map(([name, { scopes }]) => [name, scopes])))} is no longer accepted as released (scheme or scopes changed)`,
      );
    }
  }
  return out;
}

/** Compares two bundled contracts. Pure apart from running optic on the operations that differ. */
export function breakingReport(releasedFile: string = RELEASED, currentFile: string = CURRENT): BreakingReport {
  if (!existsSync(releasedFile)) {
    throw new Error(
      `${path.relative(ROOT, releasedFile)} is missing: copy generated/openapi.json there when a version ships (README, "Releasing a contract version")`,
    );
  }
  const released = readJson(releasedFile);
  const current = readJson(currentFile);
  const report: BreakingReport = {
    released: released.info.version,
    current: current.info.version,
    majorBump: false,
    changed: [],
    optic: [],
    tightened: [],
  };
  if (major(current.info.version) < major(released.info.version)) {
    throw new Error(`info.version went backwards: released ${released.info.version}, current ${current.info.version}`);
  }
  report.majorBump = major(current.info.version) > major(released.info.version);

  const before = operations(released);
  const after = operations(current);
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key);
    const b = after.get(key);
    if (!a || !b || !isDeepStrictEqual([a.op, a.params, a.security], [b.op, b.params, b.security])) report.changed.push(key);
  }
  // A new major may break anything: nothing more to look at.
  if (report.majorBump || report.changed.length === 0) return report;

  report.optic = runOptic(...onlyChanged(released, current, new Set(report.changed)));
  for (const key of report.changed) {
    const a = before.get(key);
    const b = after.get(key);
    if (a && b) report.tightened.push(...tightened(a, b));
  }
  return report;
}

/** The `breaking` step of `npm run check`: throws on a breaking change without a major bump. */
export function checkBreaking(releasedFile: string = RELEASED, currentFile: string = CURRENT): string {
  return verdict(breakingReport(releasedFile, currentFile));
}

/** The step's outcome for a report: a note when it passes, an error listing the breaking changes. */
export function verdict(report: BreakingReport): string {
  if (report.majorBump)
    return `major version ${report.released} → ${report.current}: breaking changes allowed (${report.changed.length} operations differ)`;
  const problems = [...report.optic, ...report.tightened];
  if (problems.length) {
    throw new Error(
      `breaking changes against the released contract ${report.released} (bump info.version's major in openapi/openapi.yaml, or undo them):\n  ${problems.join('\n  ')}`,
    );
  }
  return report.changed.length
    ? `${report.changed.length} operations changed since ${report.released}, none breaking`
    : `no operation changed since ${report.released}`;
}
