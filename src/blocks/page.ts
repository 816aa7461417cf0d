// One page from a store of blocks (D1 log blocks, KV fast-path buckets): both find candidate
// blocks from their metadata, in page order, and this reads as few of them as the page needs.
import { type Cursor, inOrder, type LogEntry, type LogFilter, matcher } from '../model/logs';

/**
 * A candidate block. `bound` is what lets the walk stop: in a newest-first walk, no entry of this
 * or any later candidate is newer than `bound`; in an oldest-first walk, none is older.
 */
export type BlockRef = { min: string; max: string; bound: string };

/**
 * Up to `filter.limit` entries in page order. `resumeAt` is set when the walk stopped at its scan
 * budget before the page was full: every entry before it has been looked at (the page holds the
 * matches among them), and a next page starts there.
 */
export type BlockPage = { entries: LogEntry[]; resumeAt?: Cursor };

// Blocks are read in growing groups (2, 4, 8, then 20 at a time): a page that the first blocks
// fill reads those only, and a sparse filter still reads many blocks per round trip. Near the scan
// budget a group shrinks to what the budget has left, at the blocks' average size so far.
const FIRST_GROUP = 2;
const LARGEST_GROUP = 20;

/**
 * Where a walk that stops before `next` resumes. Newest first: entries newer than next's bound
 * were all in blocks already read, so the next page starts at the bound's millisecond (an empty
 * id sorts before every id). Oldest first: the same for entries older than the bound.
 */
function resumeBefore(next: BlockRef, desc: boolean): Cursor {
  const timestamp = desc ? new Date(Date.parse(next.bound) + 1).toISOString() : next.bound;
  return { timestamp, id: '' };
}

/**
 * A page from candidates that come in page order. With a `scanBudget`, the walk reads blocks until
 * it has looked at that many entries, so one request's work is bounded whatever the filter; a
 * sparse filter's page then comes back short (even empty) with `resumeAt`.
 */
export async function pageFromBlocks<Ref extends BlockRef>(
  candidates: AsyncIterable<Ref>,
  read: (refs: Ref[]) => Promise<LogEntry[]>,
  filter: LogFilter,
  scanBudget = Number.POSITIVE_INFINITY,
): Promise<BlockPage> {
  const compare = inOrder(filter.order);
  const matches = matcher(filter);
  const desc = filter.order === 'desc';
  const seen = new Set<string>();
  let page: LogEntry[] = [];
  let pending: Ref[] = [];
  let group = FIRST_GROUP;
  let scanned = 0;
  let blocksRead = 0;
  const groupSize = () => {
    if (blocksRead === 0 || !Number.isFinite(scanBudget)) return group;
    const left = Math.ceil(((scanBudget - scanned) * blocksRead) / scanned);
    return Math.max(1, Math.min(group, left));
  };

  const readPending = async () => {
    if (pending.length === 0) return;
    const entries = await read(pending);
    scanned += entries.length;
    blocksRead += pending.length;
    for (const entry of entries) {
      // The KV fast path may hold an entry in two buckets (a redelivery grouped differently).
      if (!seen.has(entry.id) && matches(entry)) {
        seen.add(entry.id);
        page.push(entry);
      }
    }
    page = page.sort(compare).slice(0, filter.limit);
    pending = [];
  };

  for await (const ref of candidates) {
    if (page.length === filter.limit) {
      const last = page[page.length - 1].timestamp;
      // Neither this candidate nor any later one can hold an entry before the page's last one.
      if (desc ? ref.bound < last : ref.bound > last) break;
      if (desc ? ref.max < last : ref.min > last) continue;
    } else if (scanned >= scanBudget && pending.length === 0) {
      const resumeAt = resumeBefore(ref, desc);
      // Stop only where the next page starts after this one's start, so paging always advances.
      if (!filter.position || compare(resumeAt, filter.position) > 0)
        return { entries: page.filter((entry) => compare(resumeAt, entry) > 0), resumeAt };
    }
    pending.push(ref);
    if (pending.length >= groupSize()) {
      await readPending();
      group = Math.min(LARGEST_GROUP, group * 2);
    }
  }
  await readPending();
  return { entries: page };
}
