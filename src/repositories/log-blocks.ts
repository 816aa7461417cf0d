// SQL for log_blocks in a log shard (migrations/logs). Every statement names one project and
// reads or writes only that project's range of the primary key (project_id, max_ts, id).

import { zLogLevel } from '../../generated/zod/zod.gen';
import { cachedText, keepBlock } from '../blocks/cache';
import { attributeHash, type Block, bloomBits, entriesOfText, levelMask, serviceHash, trigramHashes } from '../blocks/format';
import type { BlockRef } from '../blocks/page';
import type { Cursor, LogEntry, LogFilter } from '../model/logs';

/** A block as a query finds it: its key and time range. */
export type StoredBlockRef = BlockRef & { id: string };

/** Statements storing blocks; run them in one batch. OR IGNORE: the same block stored again is a no-op. */
export const insertBlockStatements = (db: D1Database, blocks: Block[]) =>
  blocks.map((block) =>
    db
      .prepare(
        `INSERT OR IGNORE INTO log_blocks (project_id, max_ts, id, min_ts, entries, levels, messages, terms, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        block.projectId,
        block.maxTs,
        block.id,
        block.minTs,
        block.entries,
        block.levels,
        block.messages.join(','),
        block.terms,
        block.data,
      ),
  );

const HOUR_MS = 60 * 60 * 1000;
/** The start of the UTC hour after the one `time` is in: a block holding `time` has max_ts before it. */
const nextHour = (time: string) => new Date(Date.parse(`${time.slice(0, 13)}:00:00.000Z`) + HOUR_MS).toISOString();
const hourStart = (time: string) => `${time.slice(0, 13)}:00:00.000Z`;

/**
 * Which of these queue messages (each named by its first entry) a shard already holds: the block
 * with that entry lies in the entry's hour, so each probe reads one short key range.
 */
export async function storedMessages(db: D1Database, projectId: string, firstEntries: Cursor[]): Promise<Set<string>> {
  if (firstEntries.length === 0) return new Set();
  const results = await db.batch<{ found: number }>(
    firstEntries.map((entry) =>
      db
        .prepare('SELECT 1 AS found FROM log_blocks WHERE project_id = ? AND max_ts >= ? AND max_ts < ? AND instr(messages, ?) > 0 LIMIT 1')
        .bind(projectId, entry.timestamp, nextHour(entry.timestamp), entry.id),
    ),
  );
  return new Set(firstEntries.filter((_, i) => results[i].results.length > 0).map((entry) => entry.id));
}

// The Bloom filter is tested inside D1, so a search returns only the blocks that may match:
// `instr(BYTES, substr(terms, n, 1)) - 1` is the value of the filter's byte n (BYTES holds 0..255,
// bound once per statement).
const BYTE_VALUES = Uint8Array.from({ length: 256 }, (_, i) => i);
const bitIsSet = (bytes: string, bit: number) => {
  const position = `(${bit} % (length(terms) * 8))`;
  return `((instr(${bytes}, substr(terms, ${position} / 8 + 1, 1)) - 1) >> (${position} % 8)) & 1 = 1`;
};
// Enough trigrams to make a false match all but impossible; the rest are checked on the entries.
const MAX_TEXT_TERMS = 24;
const ALL_LEVELS = zLogLevel.options.length;
const CANDIDATES_PER_ROUND = 64;

/** The SQL conditions (besides the project) that a block must meet to hold a match of the filter. */
function blockConditions(filter: LogFilter, param: (value: unknown) => string): string[] {
  const where: string[] = [];
  let bytes: string | undefined;
  const mayHave = (hash: number) => {
    bytes ??= param(BYTE_VALUES);
    return `(${bloomBits(hash)
      .map((bit) => bitIsSet(bytes!, bit))
      .join(' AND ')})`;
  };
  if (filter.since) where.push(`max_ts >= ${param(filter.since)}`);
  if (filter.until) where.push(`min_ts < ${param(filter.until)}`, `max_ts < ${param(nextHour(filter.until))}`);
  if (filter.position) {
    if (filter.order === 'desc')
      where.push(`min_ts <= ${param(filter.position.timestamp)}`, `max_ts < ${param(nextHour(filter.position.timestamp))}`);
    else where.push(`max_ts >= ${param(filter.position.timestamp)}`);
  }
  const levels = [...new Set(filter.levels ?? [])];
  if (levels.length > 0 && levels.length < ALL_LEVELS) where.push(`levels & ${levelMask(levels)} != 0`);
  if (filter.text !== undefined) where.push(...[...new Set(trigramHashes(filter.text))].slice(0, MAX_TEXT_TERMS).map(mayHave));
  if (filter.services?.length) where.push(`(${filter.services.map((service) => mayHave(serviceHash(service))).join(' OR ')})`);
  for (const [key, value] of Object.entries(filter.attributes ?? {})) where.push(mayHave(attributeHash(key, value)));
  return where;
}

/**
 * The project's blocks that may hold matches, in page order: newest max_ts first (desc) or oldest
 * first (asc), fetched a round at a time. Blocks never span an hour, so in an oldest-first walk no
 * later block holds anything before the start of this block's hour.
 */
export async function* candidateBlocks(db: D1Database, filter: LogFilter): AsyncGenerator<StoredBlockRef> {
  const desc = filter.order === 'desc';
  let after: { maxTs: string; id: string } | undefined;
  for (;;) {
    const params: unknown[] = [filter.projectId];
    const param = (value: unknown) => `?${params.push(value)}`;
    const where = ['project_id = ?1', ...blockConditions(filter, param)];
    if (after) where.push(`(max_ts, id) ${desc ? '<' : '>'} (${param(after.maxTs)}, ${param(after.id)})`);
    const direction = desc ? 'DESC' : 'ASC';
    const { results } = await db
      .prepare(
        `SELECT max_ts, id, min_ts FROM log_blocks WHERE ${where.join(' AND ')} ORDER BY max_ts ${direction}, id ${direction} LIMIT ${CANDIDATES_PER_ROUND}`,
      )
      .bind(...params)
      .all<{ max_ts: string; id: string; min_ts: string }>();
    for (const row of results) yield { id: row.id, min: row.min_ts, max: row.max_ts, bound: desc ? row.max_ts : hourStart(row.max_ts) };
    if (results.length < CANDIDATES_PER_ROUND) return;
    after = { maxTs: results[results.length - 1].max_ts, id: results[results.length - 1].id };
  }
}

/**
 * The entries of these blocks of the project (the page walk applies the filter), from the
 * isolate's cache of gunzipped blocks or else in one round trip. A block that retention removed
 * since the candidates were found is simply not there.
 */
export async function readBlocks(db: D1Database, shard: string, filter: LogFilter, refs: StoredBlockRef[]): Promise<LogEntry[]> {
  const { projectId } = filter;
  const texts = refs.map((ref) => cachedText(projectId, `${shard}/${ref.id}`, filter));
  const missing = refs.filter((_, i) => texts[i] === undefined);
  if (missing.length > 0) {
    const results = await db.batch<{ id: string; data: number[] }>(
      missing.map((ref) =>
        db.prepare('SELECT id, data FROM log_blocks WHERE project_id = ? AND max_ts = ? AND id = ?').bind(projectId, ref.max, ref.id),
      ),
    );
    const rows = results.flatMap((result) => result.results);
    texts.push(...(await Promise.all(rows.map((row) => keepBlock(projectId, `${shard}/${row.id}`, row.data, filter)))));
  }
  return texts.flatMap((text) => (text === undefined ? [] : entriesOfText(text)));
}

// Retention.

/** A stored block with everything an archive copies. */
export type ArchivableBlock = Omit<Block, 'messages'>;

/** The project's oldest blocks whose every entry is older than `cutoff`, oldest first. */
export async function blocksBefore(db: D1Database, projectId: string, cutoff: string, limit: number): Promise<ArchivableBlock[]> {
  const { results } = await db
    .prepare(
      'SELECT max_ts, id, min_ts, entries, levels, terms, data FROM log_blocks WHERE project_id = ? AND max_ts < ? ORDER BY max_ts, id LIMIT ?',
    )
    .bind(projectId, cutoff, limit)
    .all<{ max_ts: string; id: string; min_ts: string; entries: number; levels: number; terms: number[]; data: number[] }>();
  return results.map((row) => ({
    projectId,
    id: row.id,
    minTs: row.min_ts,
    maxTs: row.max_ts,
    entries: row.entries,
    levels: row.levels,
    terms: Uint8Array.from(row.terms),
    data: Uint8Array.from(row.data),
  }));
}

/** Statements deleting exactly these blocks (never a range that could hold unarchived ones). */
export const deleteBlockStatements = (db: D1Database, blocks: ArchivableBlock[]) =>
  blocks.map((block) =>
    db.prepare('DELETE FROM log_blocks WHERE project_id = ? AND max_ts = ? AND id = ?').bind(block.projectId, block.maxTs, block.id),
  );

/** Deletes up to `limit` blocks of a deleted project; returns how many went. */
export async function deleteSomeBlocks(db: D1Database, projectId: string, limit: number): Promise<number> {
  const result = await db
    .prepare(
      'DELETE FROM log_blocks WHERE project_id = ?1 AND (max_ts, id) IN (SELECT max_ts, id FROM log_blocks WHERE project_id = ?1 LIMIT ?2)',
    )
    .bind(projectId, limit)
    .run();
  return result.meta.changes;
}
