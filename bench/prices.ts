// Cloudflare's published list prices (USD, Workers Paid), without the monthly included amounts:
// what each billable unit costs at the margin. Read on 2026-12-01 from the pages named per row.
export const PRICES_READ_ON = '2026-12-01';

export const PRICES = {
  workers: {
    perMillionRequests: 0.3, // developers.cloudflare.com/workers/platform/pricing/ (Standard: $0.30 / million requests)
    perMillionCpuMs: 0.02, // same page ($0.02 / million CPU milliseconds)
  },
  d1: {
    perMillionRowsRead: 0.001, // developers.cloudflare.com/d1/platform/pricing/ ($0.001 / million rows read)
    perMillionRowsWritten: 1.0, // same page ($1.00 / million rows written; each index entry is a row)
    perGbMonth: 0.75, // same page ($0.75 / GB-month of storage)
  },
  durableObjects: {
    perMillionRequests: 0.15, // developers.cloudflare.com/durable-objects/platform/pricing/ ($0.15 / million; each RPC call is one)
  },
  queues: {
    perMillionOperations: 0.4, // developers.cloudflare.com/queues/platform/pricing/ ($0.40 / million; write, read, delete each per 64 KB)
  },
  kv: {
    perMillionReads: 0.5, // developers.cloudflare.com/kv/platform/pricing/ ($0.50 / million reads)
    perMillionWrites: 5.0, // same page ($5.00 / million writes)
    perMillionDeletes: 5.0, // same page ($5.00 / million deletes)
    perMillionLists: 5.0, // same page ($5.00 / million lists)
    perGbMonth: 0.5, // same page ($0.50 / GB-month)
  },
  r2: {
    perMillionClassA: 4.5, // developers.cloudflare.com/r2/pricing/ (Standard: PutObject, ListObjects … $4.50 / million)
    perMillionClassB: 0.36, // same page (HeadObject, GetObject … $0.36 / million); DeleteObject is free
    perGbMonth: 0.015, // same page ($0.015 / GB-month)
  },
} as const;
