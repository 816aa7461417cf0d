// The ingest protocol of log shippers, over HTTP: gzip, NDJSON, size limits, Idempotency-Key, and
// the OpenTelemetry (OTLP/HTTP JSON and protobuf) export. Every response is checked against the contract.
import { env } from 'cloudflare:workers';
import Long from 'long';
import protobuf from 'protobufjs/minimal.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../generated/errors';
import { opentelemetry } from '../generated/otlp-logs.pb.js';
import type { LogMessage } from '../src/model/logs';
import { capturingQueue, deliver, fetchWithEnv, storedCount } from './logs.support';
import { type ApiResponse, api, expectError } from './support/http';
import { createTenant, type Tenant } from './support/tenancy';

const MiB = 1024 * 1024;
const encoder = new TextEncoder();

const gzip = async (text: string | Uint8Array) =>
  new Uint8Array(
    await new Response(
      new Blob([typeof text === 'string' ? encoder.encode(text) : text]).stream().pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer(),
  );

const details = (res: ApiResponse) => res.body.error.details as { field: string; issue: string }[];
const queuedEntries = (sent: LogMessage[]) => sent.flatMap((message) => message.entries);

/** POST /v1/logs with a capturing queue (so what was queued can be inspected). */
async function ingest(secret: string, rawBody: BodyInit, headers: Record<string, string>, queue = capturingQueue()) {
  const res = await fetchWithEnv({ ...env, LOG_QUEUE: queue.queue }, 'POST', '/v1/logs', { token: secret, rawBody, headers });
  return { res, sent: queue.sent };
}
const JSON_TYPE = { 'Content-Type': 'application/json' };
const NDJSON_TYPE = { 'Content-Type': 'application/x-ndjson' };
const GZIP = { 'Content-Encoding': 'gzip' };

let a: Tenant;
let b: Tenant;
beforeAll(async () => {
  [a, b] = await Promise.all([createTenant(), createTenant()]);
});

describe('POST /v1/logs: gzip and NDJSON', () => {
  it('takes a gzipped JSON batch and stores what was sent', async () => {
    const entries = [
      { level: 'info', message: 'zipped one', service: 'checkout-api' },
      { level: 'error', message: 'zipped two', attributes: { code: 7 } },
    ];
    const { res, sent } = await ingest(a.key.secret, await gzip(JSON.stringify({ entries })), { ...JSON_TYPE, ...GZIP });
    expect(res.status).toBe(202);
    expect(queuedEntries(sent).map(({ level, message, service, attributes }) => ({ level, message, service, attributes }))).toEqual([
      { level: 'info', message: 'zipped one', service: 'checkout-api', attributes: {} },
      { level: 'error', message: 'zipped two', service: undefined, attributes: { code: 7 } },
    ]);
  });

  it('takes NDJSON, plain and gzipped, one entry per line, blank lines skipped', async () => {
    const ndjson = '{"level":"info","message":"line one"}\r\n\n{"level":"warn","message":"line two","service":"inventory"}\n';
    for (const [body, headers] of [
      [ndjson, NDJSON_TYPE],
      [await gzip(ndjson), { ...NDJSON_TYPE, ...GZIP }],
    ] as const) {
      const { res, sent } = await ingest(a.key.secret, body, headers);
      expect(res.status).toBe(202);
      expect(res.body.data.accepted).toBe(2);
      expect(queuedEntries(sent).map((entry) => entry.message)).toEqual(['line one', 'line two']);
    }
  });

  it('names the bad NDJSON line as entries.N, both when it is not JSON and when a field is invalid', async () => {
    const notJson = await ingest(a.key.secret, '{"level":"info","message":"ok"}\n{"level":"info",\n', NDJSON_TYPE);
    expectError(notJson.res, 400, 'VALIDATION_ERROR', ERRORS.malformedJson.message);
    expect(details(notJson.res)).toEqual([{ field: 'entries.1', issue: 'Not a JSON value on one line' }]);
    expect(notJson.sent).toEqual([]);

    const badField = await ingest(
      a.key.secret,
      '{"level":"info","message":"ok"}\n\n{"level":"info","message":"ok"}\n{"level":"loud","message":"x"}',
      NDJSON_TYPE,
    );
    expectError(badField.res, 400, 'VALIDATION_ERROR', ERRORS.invalidInput.message);
    expect(details(badField.res).map((d) => d.field)).toEqual(['entries.2.level']);
    expect(badField.sent).toEqual([]);
  });

  it('refuses a corrupt gzip body and an unsupported Content-Encoding, queueing nothing', async () => {
    const zipped = await gzip('{"level":"info","message":"cut short"}');
    const corrupt = await ingest(a.key.secret, zipped.slice(0, zipped.length - 6), { ...JSON_TYPE, ...GZIP });
    expectError(corrupt.res, 400, 'VALIDATION_ERROR', ERRORS.malformedGzip.message);
    const brotli = await ingest(a.key.secret, '{"level":"info","message":"x"}', { ...JSON_TYPE, 'Content-Encoding': 'br' });
    expectError(brotli.res, 400, 'VALIDATION_ERROR', ERRORS.unsupportedContentEncoding.message);
    expect([...corrupt.sent, ...brotli.sent]).toEqual([]);
  });

  it('refuses a gzip bomb by its decompressed size, with details naming the limit', async () => {
    // 64 MiB of spaces compress to about 64 KB; the limit stops the stream at 16 MiB.
    const bomb = await gzip(`{"level":"info","message":"x"${' '.repeat(64 * MiB)}}`);
    expect(bomb.byteLength).toBeLessThan(MiB);
    const { res, sent } = await ingest(a.key.secret, bomb, { ...JSON_TYPE, ...GZIP });
    expectError(res, 400, 'VALIDATION_ERROR', ERRORS.bodyTooLarge.message);
    expect(details(res)).toEqual([{ field: 'body', issue: 'Too big: at most 16777216 bytes (16 MiB) once decompressed' }]);
    expect(sent).toEqual([]);
  });

  it('accepts the documented maximum batch: 1,000 entries of 8 KiB messages and 4 KiB attributes', async () => {
    const attributes = { note: 'a'.repeat(4096 - 12) };
    const entries = Array.from({ length: 1000 }, (_, i) => ({ level: 'info', message: `${i}`.padEnd(8192, 'm'), attributes }));
    const body = JSON.stringify({ entries });
    expect(body.length).toBeGreaterThan(11.5 * MiB); // over the old 1 MiB limit many times
    const { res, sent } = await ingest(a.key.secret, body, JSON_TYPE);
    expect(res.status).toBe(202);
    expect(res.body.data.accepted).toBe(1000);
    expect(queuedEntries(sent)).toHaveLength(1000);
  });
});

describe('POST /v1/logs: Idempotency-Key', () => {
  const batch = JSON.stringify({
    entries: [
      { level: 'info', message: 'once' },
      { level: 'info', message: 'only once' },
    ],
  });

  it('answers a retry with the same key and body with the original ids and stores nothing again', async () => {
    const key = crypto.randomUUID();
    const queue = capturingQueue();
    const first = await ingest(a.key.secret, batch, { ...JSON_TYPE, 'Idempotency-Key': key }, queue);
    expect(first.res.status).toBe(202);
    // the same bytes, gzipped this time: the same body once decompressed
    const retry = await ingest(a.key.secret, await gzip(batch), { ...JSON_TYPE, ...GZIP, 'Idempotency-Key': key }, queue);
    expect(retry.res.status).toBe(202);
    expect(retry.res.body.data).toEqual(first.res.body.data);
    expect(queuedEntries(queue.sent)).toHaveLength(2);

    const before = await storedCount(a.project.id);
    await deliver(queue.sent);
    expect(await storedCount(a.project.id)).toBe(before + 2);
  });

  it('refuses the same key with another body: 409 VALIDATION_ERROR, nothing queued', async () => {
    const key = crypto.randomUUID();
    await ingest(a.key.secret, batch, { ...JSON_TYPE, 'Idempotency-Key': key });
    const other = await ingest(a.key.secret, '{"level":"info","message":"something else"}', { ...JSON_TYPE, 'Idempotency-Key': key });
    expectError(other.res, 409, 'VALIDATION_ERROR', ERRORS.idempotencyKeyReused.message);
    expect(other.sent).toEqual([]);
  });

  it('scopes keys per project: another project using the same key is a new request', async () => {
    const key = crypto.randomUUID();
    const mine = await ingest(a.key.secret, batch, { ...JSON_TYPE, 'Idempotency-Key': key });
    const theirs = await ingest(b.key.secret, '{"level":"info","message":"theirs"}', { ...JSON_TYPE, 'Idempotency-Key': key });
    expect(theirs.res.status).toBe(202);
    expect(theirs.res.body.data.ids).not.toEqual(mine.res.body.data.ids);
    expect(queuedEntries(theirs.sent).map((entry) => entry.message)).toEqual(['theirs']);
  });

  it('re-queues the same ids when the first attempt failed to queue, and stores each entry once', async () => {
    const key = crypto.randomUUID();
    const queue = capturingQueue({ failSends: 1 });
    const failed = await ingest(a.key.secret, batch, { ...JSON_TYPE, 'Idempotency-Key': key }, queue);
    expectError(failed.res, 500, 'INTERNAL_ERROR');
    const retry = await ingest(a.key.secret, batch, { ...JSON_TYPE, 'Idempotency-Key': key }, queue);
    expect(retry.res.status).toBe(202);
    const again = await ingest(a.key.secret, batch, { ...JSON_TYPE, 'Idempotency-Key': key }, queue);
    expect(again.res.body.data.ids).toEqual(retry.res.body.data.ids);
    expect(queuedEntries(queue.sent).map((entry) => entry.id)).toEqual(retry.res.body.data.ids);
  });

  it('stores every entry of a half-sent batch exactly once when the client retries it, whichever copy arrives first', async () => {
    const tenant = await createTenant();
    // ~8 KiB an entry: 60 entries need three sendBatch calls (240 KB each at most)
    const entries = Array.from({ length: 60 }, (_, i) => ({ level: 'info', message: `half-sent ${i} ${'x'.repeat(8000)}` }));
    const body = JSON.stringify({ entries });
    const key = crypto.randomUUID();
    const halfSent = capturingQueue({ failCall: 1 });
    const failed = await ingest(tenant.key.secret, body, { ...JSON_TYPE, 'Idempotency-Key': key }, halfSent);
    expectError(failed.res, 500, 'INTERNAL_ERROR');
    expect(queuedEntries(halfSent.sent).length).toBeGreaterThan(0);
    expect(queuedEntries(halfSent.sent).length).toBeLessThan(60);

    const resent = capturingQueue();
    const retry = await ingest(tenant.key.secret, body, { ...JSON_TYPE, 'Idempotency-Key': key }, resent);
    expect(retry.res.status).toBe(202);
    expect(queuedEntries(resent.sent)).toHaveLength(60);
    // one message of the half-sent part arrives with the retry's, the others after them
    const [early, ...late] = halfSent.sent;
    expect((await deliver([early, ...resent.sent])).retried).toEqual([]);
    expect((await deliver(late)).retried).toEqual([]);

    const page = await api.get('/v1/logs?q=half-sent&limit=1000', { token: tenant.key.secret });
    expect(page.status).toBe(200);
    const ids = page.body.data.entries.map((entry: { id: string }) => entry.id);
    expect(ids).toHaveLength(60);
    expect(new Set(ids)).toEqual(new Set(retry.res.body.data.ids));
    // pages drop repeated ids, so count what the shard holds as well
    expect(await storedCount(tenant.project.id)).toBe(60);
  });

  it('stores a half-sent batch once when two consumer runs get its copies at the same time, each among other messages', async () => {
    const tenant = await createTenant();
    const entries = Array.from({ length: 60 }, (_, i) => ({ level: 'info', message: `raced ${i} ${'x'.repeat(8000)}` }));
    const body = JSON.stringify({ entries });
    const key = crypto.randomUUID();
    const halfSent = capturingQueue({ failCall: 1 });
    expectError((await ingest(tenant.key.secret, body, { ...JSON_TYPE, 'Idempotency-Key': key }, halfSent)).res, 500, 'INTERNAL_ERROR');
    const resent = capturingQueue();
    expect((await ingest(tenant.key.secret, body, { ...JSON_TYPE, 'Idempotency-Key': key }, resent)).res.status).toBe(202);
    // Each run also stores other entries of the project, so its blocks mix messages.
    const others = await Promise.all(
      [0, 1].map(
        async (run) =>
          (await ingest(tenant.key.secret, JSON.stringify({ entries: [{ level: 'info', message: `other ${run}` }] }), JSON_TYPE)).sent,
      ),
    );
    // Neither run sees what the other stores before it has looked: both find the copies new.
    const runs = await Promise.all([deliver([...others[0], ...halfSent.sent]), deliver([...others[1], ...resent.sent])]);
    expect(runs.flatMap((run) => run.retried)).toEqual([]);
    expect(await storedCount(tenant.project.id)).toBe(62);
  });

  it('refuses a malformed key', async () => {
    const res = await api.post(
      '/v1/logs',
      { level: 'info', message: 'x' },
      { token: a.key.secret, headers: { 'Idempotency-Key': 'has space' } },
    );
    expectError(res, 400, 'VALIDATION_ERROR', ERRORS.invalidInput.message);
    expect(details(res).map((d) => d.field)).toEqual(['Idempotency-Key']);
  });
});

describe('POST /v1/otlp/v1/logs', () => {
  const NANOS = '1772884800000000000'; // 2026-03-07T12:00:00Z
  const attr = (key: string, value: Record<string, unknown>) => ({ key, value });

  async function exportLogs(secret: string, body: unknown, headers: Record<string, string> = JSON_TYPE) {
    const queue = capturingQueue();
    const res = await fetchWithEnv({ ...env, LOG_QUEUE: queue.queue }, 'POST', '/v1/otlp/v1/logs', {
      token: secret,
      rawBody: JSON.stringify(body),
      headers,
    });
    return { res, entries: queuedEntries(queue.sent) };
  }

  it('maps severity, body, service.name, time and attributes, and answers {} when all were accepted', async () => {
    const { res, entries } = await exportLogs(a.key.secret, {
      resourceLogs: [
        {
          resource: { attributes: [attr('service.name', { stringValue: ' café\tapi ' }), attr('host.name', { stringValue: 'h1' })] },
          scopeLogs: [
            {
              scope: { name: 'checkout' },
              logRecords: [
                {
                  timeUnixNano: NANOS,
                  severityNumber: 17,
                  body: { stringValue: 'payment failed' },
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  attributes: [
                    attr('http.status_code', { intValue: '502' }),
                    attr('big', { intValue: '9007199254740993' }),
                    attr('retried', { boolValue: true }),
                    attr('user', { kvlistValue: { values: [attr('id', { stringValue: 'u1' }), attr('tier', { stringValue: 'gold' })] } }),
                    attr('tags', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } }),
                    attr('k'.repeat(65), { stringValue: 'key too long: dropped' }),
                  ],
                },
                {
                  severityNumber: 2,
                  body: { kvlistValue: { values: [attr('event', { stringValue: 'tick' })] } },
                  observedTimeUnixNano: NANOS,
                },
                { severityText: 'Warning', body: { stringValue: 'by text' }, timeUnixNano: Number(NANOS) },
                { severityNumber: 23, body: { stringValue: 'the end' }, timeUnixNano: NANOS },
              ],
            },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(entries.map(({ level, message, service, timestamp }) => ({ level, message, service, timestamp }))).toEqual([
      { level: 'error', message: 'payment failed', service: 'caf__api', timestamp: '2026-03-07T12:00:00.000Z' },
      { level: 'debug', message: '{"event":"tick"}', service: 'caf__api', timestamp: '2026-03-07T12:00:00.000Z' },
      { level: 'warn', message: 'by text', service: 'caf__api', timestamp: '2026-03-07T12:00:00.000Z' },
      { level: 'fatal', message: 'the end', service: 'caf__api', timestamp: '2026-03-07T12:00:00.000Z' },
    ]);
    expect(entries[0].attributes).toEqual({
      'http.status_code': 502,
      big: '9007199254740993',
      retried: true,
      'user.id': 'u1',
      'user.tier': 'gold',
      tags: '["a",2]',
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
    });
  });

  it('keeps attributes within the limits: at most 32 keys and 4 KiB as JSON', async () => {
    const many = Array.from({ length: 40 }, (_, i) => attr(`key${i}`, { stringValue: 'v'.repeat(200) }));
    const { res, entries } = await exportLogs(a.key.secret, {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'many' }, attributes: many }] }] }],
    });
    expect(res.status).toBe(200);
    const kept = entries[0].attributes;
    expect(Object.keys(kept).length).toBeLessThanOrEqual(32);
    expect(encoder.encode(JSON.stringify(kept)).byteLength).toBeLessThanOrEqual(4096);
    expect(Object.keys(kept)).toEqual(many.slice(0, Object.keys(kept).length).map((pair) => pair.key));
  });

  it('rejects records that break an entry limit with partialSuccess, and queues the rest', async () => {
    const { res, entries } = await exportLogs(a.key.secret, {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { body: { stringValue: 'fine' } },
                { body: { stringValue: 'x'.repeat(9000) } },
                { severityNumber: 9 },
                { body: { stringValue: 'from the future' }, timeUnixNano: String(BigInt(Date.now() + 48 * 3600_000) * 1_000_000n) },
              ],
            },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.partialSuccess.rejectedLogRecords).toBe(3);
    expect(res.body.partialSuccess.errorMessage).toMatch(/^record 1: message: /);
    expect(entries.map((entry) => entry.message)).toEqual(['fine']);
  });

  it('refuses more than 1,000 records, and callers without logs:write', async () => {
    const records = Array.from({ length: 1001 }, () => ({ body: { stringValue: 'x' } }));
    const tooMany = await exportLogs(a.key.secret, { resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] });
    expectError(tooMany.res, 400, 'VALIDATION_ERROR', ERRORS.invalidInput.message);
    expect(tooMany.entries).toEqual([]);

    const anonymous = await api.post('/v1/otlp/v1/logs', { resourceLogs: [] });
    expectError(anonymous, 401, 'UNAUTHORIZED');
  });

  it('takes gzip and stores the export: GET /v1/logs returns it', async () => {
    const queue = capturingQueue();
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [attr('service.name', { stringValue: 'otel-svc' })] },
          scopeLogs: [{ logRecords: [{ severityNumber: 13, body: { stringValue: 'exported' } }] }],
        },
      ],
    };
    const res = await fetchWithEnv({ ...env, LOG_QUEUE: queue.queue }, 'POST', '/v1/otlp/v1/logs', {
      token: b.key.secret,
      rawBody: await gzip(JSON.stringify(body)),
      headers: { ...JSON_TYPE, ...GZIP },
    });
    expect(res.status).toBe(200);
    await deliver(queue.sent);
    const page = await api.get('/v1/logs?q=exported', { token: b.key.secret });
    expect(
      page.body.data.entries.map(({ level, message, service }: { level: string; message: string; service: string }) => ({
        level,
        message,
        service,
      })),
    ).toEqual([{ level: 'warn', message: 'exported', service: 'otel-svc' }]);
  });
});

describe('POST /v1/otlp/v1/logs: protobuf', () => {
  const { ExportLogsServiceRequest: Request, ExportLogsServiceResponse } = opentelemetry.proto.collector.logs.v1;
  // protobufjs' default Buffer writer miscounts long strings on workerd's Buffer: the plain writer
  const ExportLogsServiceRequest = {
    encode: (request: Parameters<typeof Request.encode>[0]) => Request.encode(request, new protobuf.Writer()),
  };
  const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };
  const text = (value: string) => ({ stringValue: value });
  const hexBytes = (hex: string) => Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));

  async function exportProtobuf(secret: string, rawBody: Uint8Array, headers: Record<string, string> = PROTOBUF) {
    const queue = capturingQueue();
    const res = await fetchWithEnv({ ...env, LOG_QUEUE: queue.queue }, 'POST', '/v1/otlp/v1/logs', { token: secret, rawBody, headers });
    return { res, sent: queue.sent, entries: queuedEntries(queue.sent) };
  }

  it('maps a protobuf export as its JSON form, answers an empty protobuf ExportLogsServiceResponse, and GET /v1/logs returns what was stored', async () => {
    const tenant = await createTenant();
    const request = ExportLogsServiceRequest.encode({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: text('proto-svc') }] },
          scopeLogs: [
            {
              scope: { name: 'checkout' },
              logRecords: [
                {
                  timeUnixNano: Long.fromString('1772884800000000000', true),
                  severityNumber: 17,
                  body: text('payment failed (protobuf)'),
                  traceId: hexBytes('5b8efff798038103d269b633813fc60c'),
                  spanId: hexBytes('eee19b7ec3c1b174'),
                  attributes: [
                    { key: 'http.status_code', value: { intValue: 502 } },
                    { key: 'big', value: { intValue: Long.fromString('9007199254740993') } },
                    { key: 'ratio', value: { doubleValue: 0.5 } },
                    { key: 'retried', value: { boolValue: true } },
                    { key: 'raw', value: { bytesValue: new Uint8Array([1, 2, 255]) } },
                    { key: 'user', value: { kvlistValue: { values: [{ key: 'id', value: text('u1') }] } } },
                    { key: 'tags', value: { arrayValue: { values: [text('a'), { intValue: 2 }] } } },
                  ],
                },
                {
                  severityText: 'warning',
                  body: { kvlistValue: { values: [{ key: 'event', value: text('tick') }] } },
                  observedTimeUnixNano: Long.fromString('1772884800000000000', true),
                },
              ],
            },
          ],
        },
      ],
    }).finish();
    const { res, sent, entries } = await exportProtobuf(tenant.key.secret, await gzip(request), { ...PROTOBUF, ...GZIP });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(res.bytes).toEqual(new Uint8Array());
    expect(ExportLogsServiceResponse.decode(res.bytes).partialSuccess).toBeNull();
    expect(entries.map(({ level, message, service, timestamp }) => ({ level, message, service, timestamp }))).toEqual([
      { level: 'error', message: 'payment failed (protobuf)', service: 'proto-svc', timestamp: '2026-03-07T12:00:00.000Z' },
      { level: 'warn', message: '{"event":"tick"}', service: 'proto-svc', timestamp: '2026-03-07T12:00:00.000Z' },
    ]);
    expect(entries[0].attributes).toEqual({
      'http.status_code': 502,
      big: '9007199254740993',
      ratio: 0.5,
      retried: true,
      raw: 'AQL/',
      'user.id': 'u1',
      tags: '["a",2]',
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
    });

    await deliver(sent);
    const page = await api.get('/v1/logs?order=asc', { token: tenant.key.secret });
    expect(
      page.body.data.entries.map(({ level, message, service }: { level: string; message: string; service: string }) => ({
        level,
        message,
        service,
      })),
    ).toEqual([
      { level: 'error', message: 'payment failed (protobuf)', service: 'proto-svc' },
      { level: 'warn', message: '{"event":"tick"}', service: 'proto-svc' },
    ]);
  });

  it('answers partial success in protobuf, queueing the records that fit', async () => {
    const request = ExportLogsServiceRequest.encode({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: text('fits') }, { body: text('x'.repeat(9000)) }, { severityNumber: 9 }] }] }],
    }).finish();
    const { res, entries } = await exportProtobuf(a.key.secret, request);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const partial = ExportLogsServiceResponse.decode(res.bytes).partialSuccess!;
    expect(Number(partial.rejectedLogRecords)).toBe(2);
    expect(partial.errorMessage).toMatch(/^record 1: message: /);
    expect(entries.map((entry) => entry.message)).toEqual(['fits']);
  });

  it('refuses bytes that are not an ExportLogsServiceRequest with the JSON error envelope (400, never 500), queueing nothing', async () => {
    const valid = ExportLogsServiceRequest.encode({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: text('cut short') }] }] }],
    }).finish();
    const bad = [
      valid.slice(0, valid.length - 3), // truncated
      new Uint8Array([10, 200, 1, 0]), // a length beyond the end
      new Uint8Array([15, 1, 2, 3]), // wire type 7 does not exist
      encoder.encode('{"resourceLogs":[]}'), // JSON sent as protobuf
    ];
    const attempts: [Uint8Array, Record<string, string>][] = [
      ...bad.map((body): [Uint8Array, Record<string, string>] => [body, PROTOBUF]),
      [await gzip(bad[0]), { ...PROTOBUF, ...GZIP }],
    ];
    for (const [body, headers] of attempts) {
      const { res, entries } = await exportProtobuf(a.key.secret, body, headers);
      expectError(res, 400, 'VALIDATION_ERROR', ERRORS.malformedProtobuf.message);
      expect(entries).toEqual([]);
    }
    // a record that decodes but breaks the schema (severity 30) is refused as its JSON form would be
    const outOfRange = ExportLogsServiceRequest.encode({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 30 as opentelemetry.proto.logs.v1.SeverityNumber }] }] }],
    }).finish();
    expectError((await exportProtobuf(a.key.secret, outOfRange)).res, 400, 'VALIDATION_ERROR', ERRORS.invalidInput.message);
    // POST /v1/logs does not take protobuf
    const ingestProtobuf = await ingest(a.key.secret, valid, PROTOBUF);
    expectError(ingestProtobuf.res, 400, 'VALIDATION_ERROR', ERRORS.unsupportedMediaType.message);
  });

  it('holds protobuf to the JSON limits: more than 1,000 records is 400', async () => {
    const records = Array.from({ length: 1001 }, () => ({ body: text('x') }));
    const { res, entries } = await exportProtobuf(
      a.key.secret,
      ExportLogsServiceRequest.encode({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] }).finish(),
    );
    expectError(res, 400, 'VALIDATION_ERROR', ERRORS.invalidInput.message);
    expect(entries).toEqual([]);
  });
});
