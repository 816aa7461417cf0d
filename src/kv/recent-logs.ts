// The KV fast path (`GET /v1/logs?source=kv`): each project's entries of the last 24 hours.
//
// Layout. KV allows about one write per second to a key and charges per write, and concurrent
// consumers would lose entries in any read-modify-write of a shared key. So a key is written once
// and never updated: each consumer batch writes ONE key per project it touched,
//
//   recent:{projectId}:{inverted newest timestamp, 13 digits}:{smallest entry id}
//
// holding those entries in the block encoding (encodeEntries: gzip of JSON columns, about a sixth of
// their JSON, and KV bills storage by the byte), with metadata { min, max, levels } and a TTL that ends when its
// newest entry leaves the window. The key name makes KV's sorted `list` the index: a project's
// buckets come newest-first, and the metadata lets a read skip buckets without fetching them and
// stop as soon as no further bucket can hold an entry newer than the page's last one. The smallest
// id makes the name unique to its content, so a redelivered batch rewrites the same key (seconds
// later, never twice a second); a redelivery grouped differently may store an entry in two
// buckets, which the read removes by id.
import { cachedText, keepBlock } from '../blocks/cache';
import { encodeEntries, entriesOfText } from '../blocks/format';
import { type BlockPage, type BlockRef, pageFromBlocks } from '../blocks/page';
import { type LogEntry, type LogFilter, type LogMessage, newestFirst, RECENT_WINDOW_MS } from '../model/logs';

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
    [...byProject].map(async ([projectId, entries]) => {
      entries.sort(newestFirst);
      const newestMs = Date.parse(entries[0].timestamp);
      const smallestId = entries.reduce((min, entry) => (entry.id < min ? entry.id : min), entries[0].id);
      const metadata: BucketMeta = {
        min: entries[entries.length - 1].timestamp,
        max: entries[0].timestamp,
        levels: [...new Set(entries.map((e) => e.level))],
      };
      // Kept until the newest entry leaves the window (KV's minimum TTL is 60 s).
      const expirationTtl = Math.max(60, Math.ceil((newestMs + RECENT_WINDOW_MS - nowMs) / 1000));
      await kv.put(bucketKey(projectId, newestMs, smallestId), await encodeEntries(projectId, entries), { expirationTtl, metadata });
    }),
  );
}

type BucketRef = BlockRef & { name: string };

/** Buckets that may hold matches in the window, newest first (the order KV lists them in). */
async function* newestBuckets(kv: KVNamespace, filter: LogFilter, oldest: string): AsyncGenerator<BucketRef> {
  let cursor: string | undefined;
  do {
    const page = await kv.list<BucketMeta>({ prefix: prefixOf(filter.projectId), cursor });
    for (const { name, metadata } of page.keys) {
      if (!metadata) continue;
      if (metadata.max < oldest) return;
      if (filter.until && metadata.min >= filter.until) continue;
      if (
        filter.position &&
        (filter.order === 'desc' ? metadata.min > filter.position.timestamp : metadata.max < filter.position.timestamp)
      )
        continue;
      if (filter.levels?.length && !metadata.levels.some((level) => filter.levels!.includes(level as LogEntry['level']))) continue;
      yield { name, min: metadata.min, max: metadata.max, bound: metadata.max };
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}

/** The same buckets oldest first: the window is bounded, so all of its names are listed, then sorted. */
async function* oldestBuckets(kv: KVNamespace, filter: LogFilter, oldest: string): AsyncGenerator<BucketRef> {
  const buckets: BucketRef[] = [];
  for await (const bucket of newestBuckets(kv, filter, oldest)) buckets.push({ ...bucket, bound: bucket.min });
  yield* buckets.sort((a, b) => (a.min < b.min ? -1 : a.min > b.min ? 1 : 0));
}

/** A page from the fast path: up to `filter.limit` entries of the window, in page order (pageFromBlocks). */
export async function recentPage(kv: KVNamespace, filter: LogFilter, nowMs: number, scanBudget?: number): Promise<BlockPage> {
  const windowStart = new Date(nowMs - RECENT_WINDOW_MS).toISOString();
  const oldest = filter.since && filter.since > windowStart ? filter.since : windowStart;
  const inWindow = { ...filter, since: oldest };
  const candidates = filter.order === 'desc' ? newestBuckets(kv, inWindow, oldest) : oldestBuckets(kv, inWindow, oldest);
  // One get per bucket not in the isolate's cache: KV's bulk get returns text or JSON only, and bills
  // each key as a read all the same.
  const readBucket = async (name: string): Promise<LogEntry[]> => {
    const cacheKey = `kv/${name}`;
    const cached = cachedText(filter.projectId, cacheKey, inWindow);
    if (cached !== undefined) return entriesOfText(cached);
    const value = await kv.get(name, 'arrayBuffer');
    // A bucket that expired between list and get holds nothing any more.
    if (value === null) return [];
    return entriesOfText(await keepBlock(filter.projectId, cacheKey, new Uint8Array(value), inWindow));
  };
  return pageFromBlocks(
    candidates,
    async (buckets) => (await Promise.all(buckets.map((bucket) => readBucket(bucket.name)))).flat(),
    inWindow,
    scanBudget,
  );
}

/** Deletes up to `limit` of a deleted project's buckets; true while more remain. */
export async function forgetRecent(kv: KVNamespace, projectId: string, limit: number): Promise<boolean> {
  const page = await kv.list({ prefix: prefixOf(projectId), limit });
  await Promise.all(page.keys.map((key) => kv.delete(key.name)));
  return !page.list_complete;
}
