// OTLP/HTTP's protobuf encoding of POST /v1/otlp/v1/logs, as its JSON encoding: a decoded
// ExportLogsServiceRequest becomes the OTLP/JSON text it stands for, so that one schema, one set of
// limits and one mapping (otlp-logs.ts) serve both encodings; the answer is encoded back.

import protobuf from 'protobufjs/minimal.js';
import { opentelemetry } from '../../generated/otlp-logs.pb.js';
import { ApiError } from '../lib/errors';
import type { OtlpExportResponse } from './otlp-logs';

import proto = opentelemetry.proto;

const { ExportLogsServiceRequest, ExportLogsServiceResponse } = proto.collector.logs.v1;
type AnyValue = proto.common.v1.AnyValue.$Properties;
type KeyValue = proto.common.v1.KeyValue.$Properties;
type LogRecord = proto.logs.v1.LogRecord.$Properties;
type Resource = proto.resource.v1.Resource.$Properties;
type Int64 = number | { toString(): string };

const hex = (bytes: Uint8Array | null | undefined) =>
  bytes?.length ? Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('') : undefined;
/** OTLP/JSON's 64-bit integers: decimal text (protobufjs decodes them as Long). */
const int64 = (value: Int64 | null | undefined) => (value == null ? undefined : value.toString());
const nonZero = (value: Int64 | null | undefined) => (value == null || value.toString() === '0' ? undefined : value.toString());

function anyValue(value: AnyValue | null | undefined): Record<string, unknown> | undefined {
  if (!value) return undefined;
  if (value.stringValue != null) return { stringValue: value.stringValue };
  if (value.boolValue != null) return { boolValue: value.boolValue };
  if (value.intValue != null) return { intValue: int64(value.intValue) };
  if (value.doubleValue != null) return { doubleValue: value.doubleValue };
  if (value.bytesValue != null) return { bytesValue: protobuf.util.base64.encode(value.bytesValue, 0, value.bytesValue.length) };
  if (value.arrayValue) return { arrayValue: { values: (value.arrayValue.values ?? []).map((item: AnyValue) => anyValue(item) ?? {}) } };
  if (value.kvlistValue) return { kvlistValue: { values: keyValues(value.kvlistValue.values) } };
  return {};
}

const keyValues = (pairs: KeyValue[] | null | undefined) =>
  (pairs ?? []).map((pair) => ({ key: pair.key ?? '', value: anyValue(pair.value) }));

function logRecord(record: LogRecord) {
  return {
    timeUnixNano: nonZero(record.timeUnixNano),
    observedTimeUnixNano: nonZero(record.observedTimeUnixNano),
    severityNumber: record.severityNumber || undefined,
    severityText: record.severityText || undefined,
    body: anyValue(record.body),
    attributes: keyValues(record.attributes),
    traceId: hex(record.traceId),
    spanId: hex(record.spanId),
  };
}

const resourceOf = (value: Resource | null | undefined) => (value ? { attributes: keyValues(value.attributes) } : undefined);

/** The OTLP/JSON text of a protobuf ExportLogsServiceRequest; 400 when the bytes are not one. */
export function otlpProtobufAsJson(bytes: Uint8Array): string {
  let request: proto.collector.logs.v1.ExportLogsServiceRequest;
  try {
    request = ExportLogsServiceRequest.decode(bytes);
  } catch {
    throw ApiError.of('malformedProtobuf');
  }
  return JSON.stringify({
    resourceLogs: request.resourceLogs.map((resourceLogs) => ({
      resource: resourceOf(resourceLogs.resource),
      scopeLogs: (resourceLogs.scopeLogs ?? []).map((scopeLogs) => ({
        scope: scopeLogs.scope ? { name: scopeLogs.scope.name ?? '', version: scopeLogs.scope.version ?? '' } : undefined,
        logRecords: (scopeLogs.logRecords ?? []).map(logRecord),
      })),
    })),
  });
}

/** An ExportLogsServiceResponse in protobuf (empty when every record was accepted). */
// The plain Writer: protobufjs' default, its Buffer writer, miscounts strings of 40+ characters on
// the Workers runtime's Buffer (RangeError).
export const encodeExportResponse = (response: OtlpExportResponse): Uint8Array<ArrayBuffer> =>
  new Uint8Array(ExportLogsServiceResponse.encode(response, new protobuf.Writer()).finish());
