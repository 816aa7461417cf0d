// Durable round trips per request, counted (not timed): the built Loglane app in process, with
// every durable binding (RateLimiter objects, D1, the queue) wrapped so that each call is recorded.
// A round trip is one call: an object's method, a D1 statement or batch, a queue send.
//   node --import tsx bench/hops.ts
import { pathToFileURL } from 'node:url';
import { inprocBundle } from './lib/build';
import { API_KEY, CREATE_PATH, createBody, ingestOne, userToken } from './lib/fixtures';
import { executionCtx, nodeEnv } from './lib/node-env';

type App = { request: (input: string, init: RequestInit, env: unknown, ctx: unknown) => Response | Promise<Response> };
export type HopCount = { status: number; durableObject: number; d1: number; queue: number; trips: string[]; beforeHandler: number };

const D1_CALLS = ['first', 'all', 'run', 'raw', 'batch'];

/** nodeEnv('production') with each durable call recorded in `trips`. */
function countedEnv(trips: string[]) {
  const env = nodeEnv('production') as any;
  // Calls made while one is in flight are its parts (the stub's batch runs its statements): not trips.
  let inFlight = 0;
  const record = (kind: string, target: any, calls: string[] | 'all'): any =>
    new Proxy(target, {
      get(object, property) {
        const value = Reflect.get(object, property);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (!(calls === 'all' || calls.includes(String(property)))) {
            const result = value.apply(object, args);
            return property === 'prepare' || property === 'bind' ? record(kind, result, calls) : result;
          }
          if (inFlight === 0) trips.push(`${kind}.${String(property)}`);
          inFlight++;
          return Promise.resolve(value.apply(object, args)).finally(() => inFlight--);
        };
      },
    });
  return {
    ...env,
    DB: record('D1', env.DB, D1_CALLS),
    LOG_QUEUE: record('queue', env.LOG_QUEUE, ['send', 'sendBatch']),
    RATE_LIMITER: { idFromName: env.RATE_LIMITER.idFromName, get: (id: string) => record('DO', env.RATE_LIMITER.get(id), 'all') },
  };
}

export async function runHops(): Promise<Record<string, HopCount & { label: string }>> {
  const { createApp } = (await import(pathToFileURL(inprocBundle('loglane')).href)) as { createApp: () => App };
  const app = createApp();
  const json = { 'content-type': 'application/json' };
  const asUser = { authorization: `Bearer ${await userToken()}` };
  const cases = {
    ingest: {
      label: 'ingest: POST /v1/logs, 1 entry (API key)',
      path: '/v1/logs',
      init: { method: 'POST', headers: { ...json, 'x-api-key': API_KEY }, body: ingestOne(1) },
    },
    userRead: { label: 'user read: GET /v1/workspaces/{id}/projects', path: CREATE_PATH, init: { headers: asUser } },
    userWrite: {
      label: 'user write: POST /v1/workspaces/{id}/projects',
      path: CREATE_PATH,
      init: { method: 'POST', headers: { ...json, ...asUser }, body: createBody(1) },
    },
  };
  const out: Record<string, HopCount & { label: string }> = {};
  for (const [name, c] of Object.entries(cases)) {
    // The second request is counted: the first may do once-per-key or once-per-isolate work (last use
    // recorded; an ingest's key learnt, so that its send can ride in the admission).
    const trips: string[] = [];
    const env = countedEnv(trips);
    await app.request(`http://bench.local${c.path}`, c.init, env, executionCtx);
    trips.length = 0;
    const res = await app.request(`http://bench.local${c.path}`, c.init, env, executionCtx);
    const count = (kind: string) => trips.filter((trip) => trip.startsWith(`${kind}.`)).length;
    // The operation's own work is one round trip (the queue send, or the route's D1 round trip; an
    // ingest's send rides in its admission); everything else happened before the handler could do it.
    out[name] = {
      label: c.label,
      status: res.status,
      durableObject: count('DO'),
      d1: count('D1'),
      queue: count('queue'),
      trips,
      beforeHandler: trips.length - 1,
    };
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await runHops(), null, 2));
