// The KV fast path (`GET /v1/logs?source=kv`): each project's entries of the last 24 hours.
//
// Layout. KV allows about one write per second to a key and charges per write, and concurrent
// consumers would lose entries in any read-modify-write of a shared key. So a key is written once
// and never updated: each consumer batch writes ONE key per project it touched,
//
//   recent:{projectId}:{inverted newest timestamp, 13 digits}:{smallest entry id}
//
// holding those entries as JSON, with metadata { min, max, levels } and a TTL that ends when its
// newest entry leaves the window. The key name makes KV's sorted `list` the index: a project's
// buckets come newest-first, and the metadata lets a read skip buckets without fetching them and
// stop as soon as no further bucket can hold an entry newer than the page's last one. The smallest
// id makes the name unique to its content, so a redelivered batch rewrites the same key (seconds
// later, never twice a second); a redelivery grouped differently may store an entry in two
// buckets, which the read removes by id.
import { RECENT_WINDOW_MS, matches, newestFirst, pageOrder, type LogEntry, type LogFilter, type LogMessage } from '../services/logs';

type Bucketed = Omit<LogEntry, 'projectId'>;
type BucketMeta = { min: string; max: string; levels: string[] };

const MAX_TIME_MS = 9_999_999_999_999;
const prefixOf = (projectId: string) => `recent:${projectId}:`;
const bucketKey = (projectId: string, newestMs: number, smallestId: string) =>
  `${prefixOf(projectId)}${String(MAX_TIME_MS - newestMs).padStart(13, '0')}:${smallestId}`;

/** Writes a consumer batch's recent entries: one KV write per project. */
export async function rememberRecent(kv: KVNamespace, messages: LogMessage[], nowMs: number): Promise<void> {
  const windowStart = new Date(nowMs - RECENT_WINDOW_MS).toISOString();
  const byProject = new Map<string, Bucketed[]>();
  for (const { projectId, receivedAt, entries } of messages) {
    const recent = entries.filter((entry) => entry.timestamp >= windowStart).map((entry) => ({ ...entry, receivedAt }));
    if (recent.length > 0) byProject.set(projectId, [...(byProject.get(projectId) ?? []), ...recent]);
  }
  await Promise.all(
    [...byProject].map(([projectId, entries]) => {
      entries.sort(newestFirst);
      const newestMs = Date.parse(entries[0].timestamp);
      const smallestId = entries.reduce((min, entry) => (entry.id < min ? entry.id : min), entries[0].id);
      const metadata: BucketMeta = { min: entries[entries.length - 1].timestamp, max: entries[0].timestamp, levels: [...new Set(entries.map((e) => e.level))] };
      // Kept until the newest entry leaves the window (KV's minimum TTL is 60 s).
      const expirationTtl = Math.max(60, Math.ceil((newestMs + RECENT_WINDOW_MS - nowMs) / 1000));
      return kv.put(bucketKey(projectId, newestMs, smallestId), JSON.stringify(entries), { expirationTtl, metadata });
    }),
  );
}

/** Buckets worth reading, newest first; stops at the first one entirely older than `oldest`. */
async function* candidateBuckets(kv: KVNamespace, filter: LogFilter, oldest: string) {
  let cursor: string | undefined;
  do {
    const page = await kv.list<BucketMeta>({ prefix: prefixOf(filter.projectId), cursor });
    for (const { name, metadata } of page.keys) {
      if (!metadata) continue;
      if (metadata.max < oldest) return;
      if (filter.until && metadata.min >= filter.until) continue;
      if (filter.after && (filter.order === 'desc' ? metadata.min > filter.after.timestamp : metadata.max < filter.after.timestamp)) continue;
      if (filter.levels?.length && !metadata.levels.some((level) => filter.levels!.includes(level as LogEntry['level']))) continue;
      yield { name, max: metadata.max };
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}

// Buckets are fetched in growing groups (2, 4, 8, then 20 at a time; KV bulk get takes up to 100
// keys): a page that the newest buckets fill reads those only, not 20 buckets of entries.
const FIRST_GROUP = 2;
const FETCH_GROUP = 20;

/**
 * A page from the fast path: up to `filter.limit` entries of the window in the filter's order.
 * Oldest first reads every candidate bucket (the listing comes newest first).
 */
export async function recentPage(kv: KVNamespace, filter: LogFilter, nowMs: number): Promise<LogEntry[]> {
  const windowStart = new Date(nowMs - RECENT_WINDOW_MS).toISOString();
  const oldest = filter.since && filter.since > windowStart ? filter.since : windowStart;
  let page: LogEntry[] = [];
  const seen = new Set<string>();

  const fetchBuckets = async (names: string[]) => {
    if (names.length === 0) return;
    const values = await kv.get<Bucketed[]>(names, 'json');
    for (const entries of values.values()) {
      for (const entry of entries ?? []) {
        const withProject = { ...entry, projectId: filter.projectId };
        if (entry.timestamp >= oldest && !seen.has(entry.id) && matches(withProject, filter)) {
          seen.add(entry.id);
          page.push(withProject);
        }
      }
    }
    page = page.sort(pageOrder(filter.order)).slice(0, filter.limit);
  };

  let pending: string[] = [];
  let group = FIRST_GROUP;
  for await (const bucket of candidateBuckets(kv, filter, oldest)) {
    // Buckets come in order of their newest entry: once the page is full and a bucket's newest
    // entry is older than the page's last one, neither it nor any later bucket can contribute.
    if (filter.order === 'desc' && page.length === filter.limit && bucket.max < page[page.length - 1].timestamp) break;
    pending.push(bucket.name);
    if (pending.length === group) {
      await fetchBuckets(pending);
      pending = [];
      group = Math.min(FETCH_GROUP, group * 2);
    }
  }
  await fetchBuckets(pending);
  return page;
}
