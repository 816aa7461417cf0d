// SQL for log_entries (migrations/0003_logs.sql). Times are canonical ISO strings (see services/logs).
import { zLogLevel } from '../../generated/zod/zod.gen';
import type { Cursor, LogEntry, LogFilter, LogLevel, LogMessage } from '../services/logs';

const COLUMNS = 'id, project_id, level, message, service, timestamp, received_at, attributes';
const ALL_LEVELS = zLogLevel.options.length;

type Row = { id: string; project_id: string; level: LogLevel; message: string; service: string | null; timestamp: string; received_at: string; attributes: string };

const toEntry = (row: Row): LogEntry => ({
  id: row.id,
  projectId: row.project_id,
  level: row.level,
  message: row.message,
  ...(row.service === null ? {} : { service: row.service }),
  timestamp: row.timestamp,
  receivedAt: row.received_at,
  attributes: JSON.parse(row.attributes),
});

/**
 * Stores one queue message's entries with one statement (the entries travel as one JSON parameter,
 * which keeps a consumer batch at one statement per message, far below D1's per-invocation limits).
 * INSERT OR IGNORE on the unique id makes redelivery harmless; entries of a project deleted while
 * they were queued are dropped instead of failing the whole batch on the foreign key.
 */
export const insertMessage = (db: D1Database, message: LogMessage) =>
  db
    .prepare(
      `INSERT OR IGNORE INTO log_entries (${COLUMNS})
       SELECT e.value->>'id', ?2, e.value->>'level', e.value->>'message', e.value->>'service', e.value->>'timestamp', ?3, e.value->'attributes'
       FROM json_each(?1) AS e
       WHERE EXISTS (SELECT 1 FROM projects WHERE id = ?2)`,
    )
    .bind(JSON.stringify(message.entries), message.projectId, message.receivedAt);

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/**
 * The page query, newest first. Every branch is an index range read in index order, so a page
 * costs about `limit` rows however large the table is (EXPLAIN QUERY PLAN is checked in a test):
 * - no level filter: log_entries_project_time, walked backwards;
 * - levels: one ordered range of log_entries_project_level_time per level, each cut to `limit`,
 *   merged (a plain `level IN (…)` would read every matching row and sort them);
 * - text of 3+ characters: the trigram FTS index gives the matching rows; shorter text is a LIKE
 *   filter on the project's rows as the index walk meets them.
 */
export function pageQuery(filter: LogFilter): { sql: string; params: unknown[] } {
  const where = ['project_id = ?'];
  const params: unknown[] = [filter.projectId];
  if (filter.since) where.push('timestamp >= ?'), params.push(filter.since);
  if (filter.until) where.push('timestamp < ?'), params.push(filter.until);
  if (filter.before) where.push('(timestamp, id) < (?, ?)'), params.push(filter.before.timestamp, filter.before.id);
  if (filter.text !== undefined) {
    if ([...filter.text].length >= 3) {
      where.push('seq IN (SELECT rowid FROM log_entries_fts WHERE log_entries_fts MATCH ?)');
      params.push(`"${filter.text.replaceAll('"', '""')}"`); // one quoted phrase: a substring, no query syntax
    } else {
      where.push("message LIKE ? ESCAPE '\\'");
      params.push(`%${escapeLike(filter.text)}%`);
    }
  }
  const order = 'ORDER BY timestamp DESC, id DESC LIMIT ?';
  const select = (conditions: string[]) => `SELECT ${COLUMNS} FROM log_entries WHERE ${conditions.join(' AND ')} ${order}`;

  const levels = [...new Set(filter.levels ?? [])];
  if (levels.length === 0 || levels.length === ALL_LEVELS) return { sql: select(where), params: [...params, filter.limit] };
  if (levels.length === 1) return { sql: select([...where, 'level = ?']), params: [...params, levels[0], filter.limit] };
  const legs = levels.map(() => `SELECT * FROM (${select([...where, 'level = ?'])})`);
  return {
    sql: `${legs.join(' UNION ALL ')} ${order}`,
    params: [...levels.flatMap((level) => [...params, level, filter.limit]), filter.limit],
  };
}

export async function queryPage(db: D1Database, filter: LogFilter): Promise<LogEntry[]> {
  const { sql, params } = pageQuery(filter);
  const { results } = await db.prepare(sql).bind(...params).all<Row>();
  return results.map(toEntry);
}

// Retention.

export type RetentionPolicy = { projectId: string; retentionDays: number };

/** Projects with their retention, a page at a time (keyset on id). */
export async function retentionPolicies(db: D1Database, afterProjectId: string, limit: number): Promise<RetentionPolicy[]> {
  const { results } = await db
    .prepare('SELECT id, retention_days FROM projects WHERE id > ? ORDER BY id LIMIT ?')
    .bind(afterProjectId, limit)
    .all<{ id: string; retention_days: number }>();
  return results.map((row) => ({ projectId: row.id, retentionDays: row.retention_days }));
}

/** The oldest timestamp of the project's entries in [from, to), if any (one index seek). */
export async function oldestBetween(db: D1Database, projectId: string, from: string, to: string): Promise<string | undefined> {
  const row = await db
    .prepare('SELECT MIN(timestamp) AS oldest FROM log_entries WHERE project_id = ? AND timestamp >= ? AND timestamp < ?')
    .bind(projectId, from, to)
    .first<{ oldest: string | null }>();
  return row?.oldest ?? undefined;
}

/** The project's entries in [from, to), oldest first, after a position (for archiving in order). */
export async function entriesBetween(db: D1Database, projectId: string, from: string, to: string, after: Cursor | undefined, limit: number): Promise<LogEntry[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM log_entries
       WHERE project_id = ?1 AND timestamp >= ?2 AND timestamp < ?3 AND (timestamp, id) > (?4, ?5)
       ORDER BY timestamp, id LIMIT ?6`,
    )
    .bind(projectId, from, to, after?.timestamp ?? '', after?.id ?? '', limit)
    .all<Row>();
  return results.map(toEntry);
}

/** Deletes exactly these entries (ids as one JSON parameter), never a range that could hold unarchived rows. */
export const deleteEntries = (db: D1Database, ids: string[]) =>
  db.prepare('DELETE FROM log_entries WHERE id IN (SELECT value FROM json_each(?))').bind(JSON.stringify(ids));
