// Gunzipped blocks kept per isolate: D1 log blocks and KV fast-path buckets, each named by its
// store and key (`LOGS_0/<block id>`, `kv/<key>`). Neither ever changes (a redelivery stores nothing
// new, retention and deletion remove whole blocks, a bucket's key is unique to its entries, and a
// query reads only blocks or buckets it just found), so one read again, for the next page or a
// dashboard's refresh, costs neither its read nor its gunzip, only its parse.
//
// A block is kept as its text, one string, not as decoded entries: the garbage collector marks a
// string at once, but every object of a decoded entry one by one, so a cache of entries made each
// collection, and with it every tenant's requests, slower the more one tenant had read (A's
// cursor pages took 2.5-3x as long beside B's scans; as text, see bench/cost.ts).
//
// Memory is bounded in total and per project, least recently used first out: one tenant's long
// scans can take at most half of the cache, so they never flush another tenant's blocks alone.
import { blockText } from './format';

/** One block's text (blockText), as stored. */
class CachedBlock {
  /** What the text holds in memory at most (two bytes a character). */
  readonly bytes: number;

  constructor(readonly text: string) {
    this.bytes = 2 * text.length;
  }
}

const TOTAL_BYTES = 32 * 1024 * 1024;
const PROJECT_BYTES = TOTAL_BYTES / 2;

type ProjectBlocks = { blocks: Map<string, CachedBlock>; bytes: number };
/** Projects, least recently used first; each with its blocks in the same order. */
const projects = new Map<string, ProjectBlocks>();
let heldBytes = 0;
/** The read (a page's filter object) that last used each block. */
const lastReader = new WeakMap<CachedBlock, object>();

/** The cached block's text, the block now the most recently used (by `reader`). */
export function cachedText(projectId: string, blockKey: string, reader: object): string | undefined {
  const project = projects.get(projectId);
  const block = project?.blocks.get(blockKey);
  if (!project || !block) return undefined;
  projects.delete(projectId);
  projects.set(projectId, project);
  project.blocks.delete(blockKey);
  project.blocks.set(blockKey, block);
  lastReader.set(block, reader);
  return block.text;
}

/** The text of a block just read from its store (`data`, gzipped), kept for the next read. */
export async function keepBlock(projectId: string, blockKey: string, data: Uint8Array | number[], reader: object): Promise<string> {
  const block = new CachedBlock(await blockText(data));
  cacheBlock(projectId, blockKey, block, reader);
  return block.text;
}

/**
 * Keeps a block `reader` decoded. Room in the project's share is made from blocks this read has not
 * used: a scan longer than the share keeps the blocks it cached first instead of pushing out each
 * in turn, so repeating it reads only the rest from D1.
 */
function cacheBlock(projectId: string, blockKey: string, block: CachedBlock, reader: object): void {
  const project = projects.get(projectId) ?? { blocks: new Map(), bytes: 0 };
  const fits = () => project.bytes + block.bytes <= PROJECT_BYTES;
  for (const [oldId, old] of project.blocks) {
    if (fits()) break;
    if (lastReader.get(old) !== reader) drop(project, oldId, old);
  }
  if (project.blocks.has(blockKey) || !fits()) return;
  projects.delete(projectId);
  projects.set(projectId, project);
  project.blocks.set(blockKey, block);
  project.bytes += block.bytes;
  heldBytes += block.bytes;
  lastReader.set(block, reader);
  while (heldBytes > TOTAL_BYTES) {
    const [oldestKey, oldest] = projects.entries().next().value as [string, ProjectBlocks];
    const [oldId, old] = oldest.blocks.entries().next().value as [string, CachedBlock];
    drop(oldest, oldId, old);
    if (oldest.blocks.size === 0) projects.delete(oldestKey);
  }
}

function drop(project: ProjectBlocks, blockKey: string, block: CachedBlock): void {
  project.blocks.delete(blockKey);
  project.bytes -= block.bytes;
  heldBytes -= block.bytes;
}
