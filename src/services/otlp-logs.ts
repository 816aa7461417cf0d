// POST /v1/otlp/v1/logs: OTLP/HTTP JSON log records mapped onto Loglane entries, then the same
// checks and queue as POST /v1/logs. Records that break an entry limit are rejected one by one
// (OTLP's partial success) instead of failing the export.
import type { z } from 'zod';
import {
  type zExportOtlpLogsBody,
  type zExportOtlpLogsResponse,
  zLogEntryInput,
  type zOtlpAnyValue,
  type zOtlpKeyValue,
} from '../../generated/zod/zod.gen';
import { ApiError } from '../lib/errors';
import { type LogLevel, newLogIds } from '../model/logs';
import type { LogSender } from '../queue/send';
import { type EntryInput, limitViolations, queueEntries } from './log-ingest';

export type OtlpExportRequest = z.infer<typeof zExportOtlpLogsBody>;
export type OtlpExportResponse = z.infer<typeof zExportOtlpLogsResponse>;
type AnyValue = z.infer<typeof zOtlpAnyValue>;
type KeyValue = z.infer<typeof zOtlpKeyValue>;
type LogRecord = NonNullable<
  NonNullable<NonNullable<OtlpExportRequest['resourceLogs']>[number]['scopeLogs']>[number]['logRecords']
>[number];
type Scalar = string | number | boolean;

const MAX_RECORDS = 1000;
const ATTRIBUTE_LIMITS = { keys: 32, keyLength: 64, valueLength: 4096, jsonBytes: 4096 } as const;
const encoder = new TextEncoder();

/** OTLP severity numbers come in fours: 1–4 TRACE, 5–8 DEBUG, 9–12 INFO, 13–16 WARN, 17–20 ERROR, 21–24 FATAL. */
const LEVEL_BY_SEVERITY: LogLevel[] = ['debug', 'debug', 'info', 'warn', 'error', 'fatal'];
const LEVEL_BY_TEXT: Record<string, LogLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
};

function levelOf(record: LogRecord): LogLevel {
  const number = record.severityNumber ?? 0;
  if (number > 0) return LEVEL_BY_SEVERITY[Math.floor((number - 1) / 4)];
  return LEVEL_BY_TEXT[record.severityText?.trim().toLowerCase() ?? ''] ?? 'info';
}

/** An OTLP 64-bit integer as a number when it is exact, else as its decimal text. */
const int64 = (value: string | number) => (typeof value === 'number' || Number.isSafeInteger(Number(value)) ? Number(value) : value);

/** An AnyValue as plain JSON data. */
function plain(value: AnyValue | undefined): unknown {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return int64(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map((item: AnyValue) => plain(item));
  if (value.kvlistValue) return Object.fromEntries((value.kvlistValue.values ?? []).map((pair: KeyValue) => [pair.key, plain(pair.value)]));
  return null;
}

/** Attributes as flat pairs: nested maps become dotted keys, arrays JSON text. */
function flatten(pairs: KeyValue[], prefix = ''): [string, Scalar][] {
  return pairs.flatMap(({ key, value }): [string, Scalar][] => {
    if (value?.kvlistValue) return flatten(value.kvlistValue.values ?? [], `${prefix}${key}.`);
    const data = plain(value);
    if (data === null) return [];
    return [[prefix + key, typeof data === 'object' ? JSON.stringify(data) : (data as Scalar)]];
  });
}

/** Keeps the attributes that fit LogAttributes' limits, in order; the rest are dropped. */
function withinLimits(pairs: [string, Scalar][]): Record<string, Scalar> {
  const kept: Record<string, Scalar> = {};
  let bytes = 2; // {}
  for (const [key, value] of pairs) {
    if (Object.keys(kept).length === ATTRIBUTE_LIMITS.keys) break;
    if (!key || key.length > ATTRIBUTE_LIMITS.keyLength || key in kept) continue;
    if (typeof value === 'string' && value.length > ATTRIBUTE_LIMITS.valueLength) continue;
    const added = encoder.encode(JSON.stringify({ [key]: value })).byteLength - 1; // minus one brace, plus a comma
    if (bytes + added > ATTRIBUTE_LIMITS.jsonBytes) continue;
    kept[key] = value;
    bytes += added;
  }
  return kept;
}

/**
 * `service.name` as a ServiceName: characters outside printable ASCII become `_`, surrounding
 * spaces go, at most 128 characters; nothing left means no service.
 */
function serviceOf(resourceAttributes: KeyValue[] = []): string | undefined {
  const name = resourceAttributes.find((pair) => pair.key === 'service.name')?.value?.stringValue;
  const printable = name
    ?.replace(/[^ -~]/g, '_')
    .trim()
    .slice(0, 128)
    .trimEnd();
  return printable || undefined;
}

/** Nanoseconds since the epoch as RFC 3339, or undefined when unset (0) or beyond what a Date holds. */
function timestampOf(nanos: string | number | undefined): string | undefined {
  if (nanos === undefined) return undefined;
  const ms = typeof nanos === 'number' ? Math.floor(nanos / 1e6) : Number(BigInt(nanos) / 1_000_000n);
  if (ms === 0 || Math.abs(ms) > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}

function entryOf(record: LogRecord, service: string | undefined): EntryInput {
  const body = plain(record.body);
  const ids: [string, Scalar][] = [
    ...(record.traceId ? ([['trace_id', record.traceId]] as [string, Scalar][]) : []),
    ...(record.spanId ? ([['span_id', record.spanId]] as [string, Scalar][]) : []),
  ];
  const attributes = withinLimits([...flatten(record.attributes ?? []), ...ids]);
  const timestamp = timestampOf(record.timeUnixNano) ?? timestampOf(record.observedTimeUnixNano);
  return {
    level: levelOf(record),
    message: typeof body === 'string' ? body : body === null ? '' : JSON.stringify(body),
    ...(service === undefined ? {} : { service }),
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(Object.keys(attributes).length ? { attributes } : {}),
  };
}

/** Why a mapped entry cannot be stored, or undefined when it can. */
function rejection(entry: EntryInput, nowMs: number): string | undefined {
  const parsed = zLogEntryInput.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `${issue.path.join('.')}: ${issue.message}`;
  }
  const problem = limitViolations(entry, (name) => name, nowMs)[0];
  return problem && `${problem.field}: ${problem.issue}`;
}

/** Maps, checks and queues the records of one export; answers as OTLP's ExportLogsServiceResponse. */
export async function exportOtlpLogs(send: LogSender, projectId: string, request: OtlpExportRequest): Promise<OtlpExportResponse> {
  const records = (request.resourceLogs ?? []).flatMap((resourceLogs) => {
    const service = serviceOf(resourceLogs.resource?.attributes);
    return (resourceLogs.scopeLogs ?? []).flatMap((scopeLogs) => (scopeLogs.logRecords ?? []).map((record) => ({ record, service })));
  });
  if (records.length > MAX_RECORDS)
    throw ApiError.of('invalidInput', [{ field: 'resourceLogs', issue: `Too many: at most ${MAX_RECORDS} log records per request` }]);

  const nowMs = Date.now();
  const accepted: EntryInput[] = [];
  let rejected = 0;
  let firstReason: string | undefined;
  records.forEach(({ record, service }, index) => {
    const entry = entryOf(record, service);
    const reason = rejection(entry, nowMs);
    if (reason === undefined) return void accepted.push(entry);
    rejected += 1;
    firstReason ??= `record ${index}: ${reason}`;
  });
  if (accepted.length > 0) await queueEntries(send, projectId, accepted, { receivedMs: nowMs, ids: newLogIds(accepted.length, nowMs) });
  return rejected === 0 ? {} : { partialSuccess: { rejectedLogRecords: rejected, errorMessage: firstReason! } };
}
