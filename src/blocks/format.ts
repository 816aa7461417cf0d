// The stored block: entries of ONE project and ONE UTC hour, oldest first, as one gzip member of
// one JSON line that holds them column by column (encodeEntries), with a Bloom filter of their
// search terms and a little metadata. Columns let gzip see like beside like (ids with ids, times
// with times) and name each field once per block instead of once per entry: about 12% fewer
// bytes than NDJSON of the entries. D1 log shards store blocks (repositories/log-blocks.ts);
// retention copies the very same gzip bytes into R2 archives with an index of their offsets and
// filters, so an archive can be searched block by block exactly as a shard is, and the KV fast
// path stores its recent objects in the same encoding.
import { groupBy } from '../lib/group';
import type { LogEntry, LogLevel } from '../model/logs';

export type Block = {
  projectId: string;
  /** the block's smallest entry id (unique: an entry lives in one block) */
  id: string;
  minTs: string;
  maxTs: string;
  entries: number;
  /** one bit per level present (LEVEL_BITS) */
  levels: number;
  /** first entry ids of the queue messages that start in this block */
  messages: string[];
  /** Bloom filter over the entries' terms (termHashes) */
  terms: Uint8Array;
  /** the entries, oldest first (encodeEntries) */
  data: Uint8Array;
};

// A block stays small enough to decompress for one page quickly and far below D1's 2 MB row limit.
const BLOCK_MAX_ENTRIES = 1000;
const BLOCK_MAX_JSON_BYTES = 256 * 1024;

const LEVEL_BITS: Record<LogLevel, number> = { debug: 1, info: 2, warn: 4, error: 8, fatal: 16 };
export const levelMask = (levels: readonly LogLevel[]) => levels.reduce((mask, level) => mask | LEVEL_BITS[level], 0);

// Terms. Text search matches lowercase substrings: every trigram (three code points) of the
// lowercase query must be a trigram of a lowercase message in the block. Services and attribute
// pairs are terms of their own, marked so that they never equal a trigram.
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const fnv = (hash: number, value: number) => Math.imul(hash ^ value, FNV_PRIME) >>> 0;
const hashOf = (codePoints: readonly number[]) => codePoints.reduce(fnv, FNV_OFFSET);
const codePointsOf = (text: string) => Array.from(text, (ch) => ch.codePointAt(0)!);

/** Hashes of the lowercase trigrams of `text` (none for fewer than three characters). */
export function trigramHashes(text: string): number[] {
  const points = codePointsOf(text.toLowerCase());
  const hashes: number[] = [];
  for (let i = 0; i + 2 < points.length; i++) hashes.push(fnv(fnv(fnv(FNV_OFFSET, points[i]), points[i + 1]), points[i + 2]));
  return hashes;
}
export const serviceHash = (service: string) => hashOf([1, 115, ...codePointsOf(service)]);
/** Attribute values are compared by their string form (`status=502` finds 502 and "502"). */
export const attributeHash = (key: string, value: string) => hashOf([1, 97, ...codePointsOf(key), 0, ...codePointsOf(value)]);

function entryTermHashes(entry: LogEntry, into: Set<number>): void {
  for (const hash of trigramHashes(entry.message)) into.add(hash);
  if (entry.service !== undefined) into.add(serviceHash(entry.service));
  for (const [key, value] of Object.entries(entry.attributes)) into.add(attributeHash(key, String(value)));
}

// Bloom filter: two bits per term, about 6 bits of filter per distinct term (a false positive
// rate near 8% per term; a query of several terms almost never reads a block it does not need).
const BITS_PER_TERM = 6;

/** The two bit numbers of a term (taken modulo the filter's size). */
export function bloomBits(hash: number): [number, number] {
  let mixed = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b) >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35) >>> 0;
  return [hash, (hash + ((mixed ^ (mixed >>> 16)) | 1)) >>> 0];
}

function bloomOf(hashes: Set<number>): Uint8Array {
  const filter = new Uint8Array(Math.max(8, Math.ceil((hashes.size * BITS_PER_TERM) / 8)));
  const size = filter.length * 8;
  for (const hash of hashes) {
    for (const bit of bloomBits(hash)) filter[(bit % size) >>> 3] |= 1 << ((bit % size) % 8);
  }
  return filter;
}

/** Whether the filter may hold the term (false: it certainly does not). */
export function bloomMayHave(filter: Uint8Array, hash: number): boolean {
  const size = filter.length * 8;
  return bloomBits(hash).every((bit) => (filter[(bit % size) >>> 3] & (1 << ((bit % size) % 8))) !== 0);
}

const gzip = async (text: string) =>
  new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
const gunzip = (bytes: Uint8Array) => new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();

/** One line of the encoding: a project's entries column by column (`service` null where absent). */
type Columns = {
  projectId: string;
  id: string[];
  level: LogLevel[];
  message: string[];
  service: (string | null)[];
  timestamp: string[];
  receivedAt: string[];
  attributes: LogEntry['attributes'][];
};

/** Entries of one project as gzip of one line of JSON columns (a block's data, a KV recent object). */
export function encodeEntries(projectId: string, entries: readonly Omit<LogEntry, 'projectId'>[]): Promise<Uint8Array> {
  const columns: Columns = {
    projectId,
    id: entries.map((entry) => entry.id),
    level: entries.map((entry) => entry.level),
    message: entries.map((entry) => entry.message),
    service: entries.map((entry) => entry.service ?? null),
    timestamp: entries.map((entry) => entry.timestamp),
    receivedAt: entries.map((entry) => entry.receivedAt),
    attributes: entries.map((entry) => entry.attributes),
  };
  return gzip(`${JSON.stringify(columns)}\n`);
}

// One object shape for every entry, built without spreading: blocks decode thousands at a time.
// An absent service is `undefined`, which JSON leaves out as if the key were not there.
const entriesOf = (c: Columns): LogEntry[] =>
  c.id.map((id, i) => ({
    id,
    projectId: c.projectId,
    level: c.level[i],
    message: c.message[i],
    service: c.service[i] ?? undefined,
    timestamp: c.timestamp[i],
    receivedAt: c.receivedAt[i],
    attributes: c.attributes[i],
  }));

/** The text of encodeEntries' bytes: lines of JSON columns (D1 returns BLOBs as arrays of bytes). */
export const blockText = (data: Uint8Array | number[]): Promise<string> =>
  gunzip(data instanceof Uint8Array ? data : Uint8Array.from(data));

/** The entries of a block's text. */
export const entriesOfText = (text: string): LogEntry[] =>
  text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => entriesOf(JSON.parse(line) as Columns));

/** The entries of encodeEntries' bytes. */
export const decodeBlock = async (data: Uint8Array | number[]): Promise<LogEntry[]> => entriesOfText(await blockText(data));

const oldestFirst = (a: LogEntry, b: LogEntry) =>
  a.timestamp === b.timestamp ? (a.id < b.id ? -1 : 1) : a.timestamp < b.timestamp ? -1 : 1;
const encoder = new TextEncoder();

/**
 * Packs one project's entries into blocks: split by UTC hour of their timestamp, oldest first, at
 * most 1,000 entries or 256 KiB of entry JSON each. `messageKeys` are the first entry ids of the queue
 * messages these entries came in; each block records the ones it holds.
 */
export async function encodeBlocks(projectId: string, entries: LogEntry[], messageKeys: ReadonlySet<string>): Promise<Block[]> {
  const chunks: LogEntry[][] = [];
  for (const hourEntries of groupBy(entries, (entry) => entry.timestamp.slice(0, 13)).values()) {
    let chunk: LogEntry[] = [];
    let bytes = 0;
    for (const entry of hourEntries.sort(oldestFirst)) {
      const size = encoder.encode(JSON.stringify(entry)).byteLength + 1;
      if (chunk.length === BLOCK_MAX_ENTRIES || (chunk.length > 0 && bytes + size > BLOCK_MAX_JSON_BYTES)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(entry);
      bytes += size;
    }
    chunks.push(chunk);
  }
  return Promise.all(chunks.map((chunk) => encodeBlock(projectId, chunk, messageKeys)));
}

async function encodeBlock(projectId: string, entries: LogEntry[], messageKeys: ReadonlySet<string>): Promise<Block> {
  const hashes = new Set<number>();
  for (const entry of entries) entryTermHashes(entry, hashes);
  return {
    projectId,
    id: entries.reduce((min, entry) => (entry.id < min ? entry.id : min), entries[0].id),
    minTs: entries[0].timestamp,
    maxTs: entries[entries.length - 1].timestamp,
    entries: entries.length,
    levels: levelMask(entries.map((entry) => entry.level)),
    messages: entries.filter((entry) => messageKeys.has(entry.id)).map((entry) => entry.id),
    terms: bloomOf(hashes),
    data: await encodeEntries(projectId, entries),
  };
}
