// One page from a store of blocks (D1 log blocks, KV fast-path buckets): both find candidate
// blocks from their metadata, in page order, and this reads as few of them as the page needs.
import { inOrder, type LogEntry, type LogFilter, matches } from '../model/logs';

/**
 * A candidate block. `bound` is what lets the walk stop: in a newest-first walk, no entry of this
 * or any later candidate is newer than `bound`; in an oldest-first walk, none is older.
 */
export type BlockRef = { min: string; max: string; bound: string };

// Blocks are read in growing groups (2, 4, 8, then 20 at a time): a page that the first blocks
// fill reads those only, and a sparse filter still reads many blocks per round trip.
const FIRST_GROUP = 2;
const LARGEST_GROUP = 20;

/** Up to `filter.limit` entries in page order, from candidates that come in page order. */
export async function pageFromBlocks<Ref extends BlockRef>(
  candidates: AsyncIterable<Ref>,
  read: (refs: Ref[]) => Promise<LogEntry[]>,
  filter: LogFilter,
): Promise<LogEntry[]> {
  const compare = inOrder(filter.order);
  const desc = filter.order === 'desc';
  const seen = new Set<string>();
  let page: LogEntry[] = [];
  let pending: Ref[] = [];
  let group = FIRST_GROUP;

  const readPending = async () => {
    if (pending.length === 0) return;
    for (const entry of await read(pending)) {
      // The KV fast path may hold an entry in two buckets (a redelivery grouped differently).
      if (!seen.has(entry.id) && matches(entry, filter)) {
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
    }
    pending.push(ref);
    if (pending.length === group) {
      await readPending();
      group = Math.min(LARGEST_GROUP, group * 2);
    }
  }
  await readPending();
  return page;
}
