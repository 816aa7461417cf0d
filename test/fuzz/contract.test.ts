// Contract fuzzing (issue 8): for every operation of generated/openapi.internal.json, requests
// derived from its parameter and body schemas (valid ones and mutations) are sent to the Worker
// in workerd against two real tenants, and every response must keep the properties of
// test/support/fuzz-world.ts: never a 5xx, the contract's status/schema/headers, the catalog's
// codes and messages, no leaks, no write by a refused request, the seed's auth errors, 404 for
// outsiders, and nothing accepted that the contract refuses.
//
// Seeded and reproducible. `npm test` runs FUZZ_RUNS (default 5,000) requests with a fixed seed;
// `npm run fuzz` runs 20,000. A failure prints fast-check's seed and path, the request and the
// response; replay one with `FUZZ_SEED=<seed> FUZZ_PATH=<path> npm run fuzz -- -t '<operationId>'`.
// Inside workerd the host's environment is reached through Vite, so the variables are read as
// VITE_FUZZ_*; `npm run fuzz` maps FUZZ_* onto them (and `VITE_FUZZ_RUNS=… npm test` works too).
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedEntries } from '../logs.support';
import { contract, OPERATIONS, type Operation, requestsFor } from '../support/fuzz-contract';
import { checkResponse, FuzzWorld, KNOWN_FINDINGS } from '../support/fuzz-world';
import { uniqueSlug } from '../support/tenancy';

const vars = ((import.meta as unknown as { env?: Record<string, string | undefined> }).env ?? {}) as Record<string, string | undefined>;
const setting = (name: string) => vars[`VITE_${name}`] || vars[name] || undefined;

const DEFAULT_SEED = 20260308;
const DEFAULT_RUNS = 5000;
const seed = setting('FUZZ_SEED') === 'random' ? Date.now() % 2 ** 31 : Number(setting('FUZZ_SEED') ?? DEFAULT_SEED);
const totalRuns = Math.max(1, Number(setting('FUZZ_RUNS') ?? DEFAULT_RUNS));
const replayPath = setting('FUZZ_PATH');
// Operations without parameters or body vary by the credential alone: they get at most
// TRIVIAL_RUNS (which also spares /docs and /openapi.json, served through the ASSETS binding,
// whose calls slow down quadratically within one test under vitest-pool-workers); the others
// share the rest, so that every run makes at least FUZZ_RUNS requests.
const TRIVIAL_RUNS = 150;
const isTrivial = (op: Operation) => op.pathParams.length === 0 && op.queryParams.length === 0 && !op.body;
const evenShare = Math.ceil(totalRuns / OPERATIONS.length);
const trivialRuns = Math.min(evenShare, TRIVIAL_RUNS);
const trivialCount = OPERATIONS.filter(isTrivial).length;
const otherRuns = Math.ceil((totalRuns - trivialRuns * trivialCount) / (OPERATIONS.length - trivialCount));
const runsFor = (op: Operation) => (isTrivial(op) ? trivialRuns : otherRuns);

const world = new FuzzWorld();
let sent = 0;
const started = Date.now();

beforeAll(async () => {
  console.log(
    `contract fuzzing: seed ${seed}, ${otherRuns} requests for each of ${OPERATIONS.length - trivialCount} operations, ${trivialRuns} for each of ${trivialCount} without parameters or body (FUZZ_RUNS=${totalRuns})`,
  );
  await world.setup();
}, 120_000);

afterAll(() => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [...world.stats.entries()].map(
    ([op, byStatus]) =>
      `  ${op.padEnd(20)} ${[...byStatus.entries()]
        .sort()
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
  );
  const findings = [...world.findings].map(([id, n]) => `  ${id} × ${n}: ${KNOWN_FINDINGS.find((f) => f.id === id)?.title}`);
  if (setting('FUZZ_VERBOSE')) {
    const refusals = [...world.validRefusals].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `  ${n}× ${reason}`);
    console.log(`time (ms): ${JSON.stringify(world.timing, (_, v) => (typeof v === 'number' ? Math.round(v) : v))}`);
    console.log(`contract-valid requests refused with 400:\n${refusals.join('\n')}`);
  }
  console.log(
    `contract fuzzing: ${sent} requests in ${seconds} s (seed ${seed}, ${world.rebuilds} tenant rebuilds)\n${lines.join('\n')}` +
      (findings.length ? `\nknown findings hit (reported, not yet fixed in src/):\n${findings.join('\n')}` : ''),
  );
});

describe('contract fuzzing', () => {
  it('covers every operation of the contract', () => {
    const inContract = Object.values<Record<string, { operationId?: string }>>(contract.paths).flatMap((item) =>
      Object.values(item)
        .map((o) => o.operationId)
        .filter(Boolean),
    );
    expect(OPERATIONS.map((op) => op.id).sort()).toEqual(inContract.sort());
  });

  it('sees what a request writes: D1 rows, queue messages, KV keys (the no-write property is not vacuous)', async () => {
    const op = (id: string) => OPERATIONS.find((o) => o.id === id)!;
    const created = await world.send(op('createWorkspace'), {
      op: 'createWorkspace',
      pathParams: {},
      query: [],
      credential: { kind: 'jwt', user: 'A.owner' },
      body: { kind: 'json', value: { name: 'Self-test', slug: uniqueSlug('self') }, contract: 'valid' },
    });
    expect(created.response.status).toBe(201);
    expect(created.writes).toEqual(expect.arrayContaining([expect.stringMatching(/^D1 INSERT INTO workspaces /)]));
    const ingested = await world.send(op('ingestLogs'), {
      op: 'ingestLogs',
      pathParams: {},
      query: [],
      credential: { kind: 'key', key: 'A', via: 'header' },
      body: { kind: 'json', value: { level: 'info', message: 'self-test' }, contract: 'valid' },
    });
    expect(ingested.response.status).toBe(202);
    expect(ingested.writes).toEqual(expect.arrayContaining([expect.stringMatching(/^Queue send(Batch)? /)]));
    const started = await world.send(op('startOAuth'), {
      op: 'startOAuth',
      pathParams: { provider: 'github' },
      query: [],
      credential: { kind: 'none' },
      body: { kind: 'none' },
    });
    expect(started.response.status).toBe(302);
    expect(started.writes).toEqual(expect.arrayContaining([expect.stringMatching(/^KV put oauth:state:/)]));
    // A refused request, and the counts it is judged by.
    const refused = await world.send(op('createWorkspace'), {
      op: 'createWorkspace',
      pathParams: {},
      query: [],
      credential: { kind: 'jwt', user: 'A.owner' },
      body: { kind: 'json', value: { name: 'x' }, contract: 'mutated' },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.writes).toEqual([]);
    expect(refused.rowsAfter).toEqual(refused.rowsBefore);
    expect(Object.keys(refused.rowsBefore)).toEqual(
      expect.arrayContaining(['users', 'workspaces', 'workspace_members', 'projects', 'api_keys', 'outbox', 'refresh_tokens']),
    );
    await world.ensureIntact();
  });

  for (const op of OPERATIONS) {
    it(
      `${op.id}: ${op.method} ${op.template}`,
      async () => {
        const property = fc.asyncProperty(requestsFor(op), async (request) => {
          const result = await world.send(op, request);
          sent++;
          world.count(op.id, result.response.status);
          await checkResponse(world, op, result);
        });
        try {
          await fc.assert(property, { seed, numRuns: runsFor(op), endOnFailure: true, ...(replayPath ? { path: replayPath } : {}) });
        } catch (error) {
          (error as Error).message += `\n\nReproduce: FUZZ_SEED=${seed} FUZZ_PATH=<path above> npm run fuzz -- -t '${op.id}'`;
          throw error;
        }
      },
      60_000 + runsFor(op) * 1_000,
    );
  }

  it('stores only entries that an ingest accepted, and every one of them', async () => {
    // The real queue delivers the accepted batches to the consumer in the background.
    const live = async () => {
      const projects = new Set((await env.DB.prepare('SELECT id FROM projects').all<{ id: string }>()).results.map((r) => r.id));
      return [...world.accepted].filter(([, project]) => projects.has(project)).map(([id]) => id);
    };
    // Projects still there (a deleted one's entries are purged in the background).
    const liveProjects = new Set((await env.DB.prepare('SELECT id FROM projects').all<{ id: string }>()).results.map((r) => r.id));
    const projects = [...new Set([...[...world.accepted].map(([, project]) => project), ...world.otlpAccepted.keys()])].filter((project) =>
      liveProjects.has(project),
    );
    const stored = async () =>
      new Set((await Promise.all(projects.map(async (project) => (await storedEntries(project)).map((e) => e.id)))).flat());
    const deadline = Date.now() + 30_000;
    let missing: string[] = [];
    do {
      const have = await stored();
      missing = (await live()).filter((id) => !have.has(id));
      if (missing.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    } while (Date.now() < deadline);
    expect(missing.slice(0, 5), `${missing.length} accepted entries never stored`).toEqual([]);
    // OTLP exports answer with counts, not ids: entries without a known id must be exactly those.
    const otlpCount = [...world.otlpAccepted].filter(([project]) => liveProjects.has(project)).reduce((sum, [, n]) => sum + n, 0);
    const unexpected = [...(await stored())].filter((id) => !world.accepted.has(id));
    expect(unexpected.length, `entries stored that no ingest accepted: ${unexpected.slice(0, 5)}`).toBe(otlpCount);
  }, 60_000);
});
