// GET /v1/logs: which project the caller may read, then one page from D1 or from the KV fast path.
import type { z } from 'zod';
import type { zQueryLogsQuery } from '../../generated/zod/zod.gen';
import { ApiError } from '../lib/errors';
import { recentPage } from '../kv/recent-logs';
import { pageFromBlocks } from '../blocks/page';
import { logShard } from '../lib/shards';
import { candidateBlocks, readBlocks } from '../repositories/log-blocks';
import { logShardsOf } from '../repositories/projects';
import type { Principal } from '../types';
import { canonicalTime, decodeCursor, encodeCursor, type LogEntry, type LogFilter } from '../model/logs';
import { projectForMember } from './projects';

type Query = z.infer<typeof zQueryLogsQuery>;

/**
 * The project a caller reads: an API key reads its own project (naming another is 404, as if it
 * did not exist); a user names one of a workspace they belong to.
 */
export async function readableProject(env: Env, principal: Principal, projectId: string | undefined): Promise<string> {
  if (principal.kind === 'apiKey') {
    if (projectId !== undefined && projectId !== principal.projectId) throw ApiError.of('notFound');
    return principal.projectId;
  }
  if (projectId === undefined) throw ApiError.of('invalidInput', [{ field: 'projectId', issue: 'Required with a user token' }]);
  return (await projectForMember(env, principal.userId, projectId)).id;
}

/** Only the project's own entries, in the asked order; times canonical. */
function filterOf(projectId: string, query: Query): Omit<LogFilter, 'limit'> {
  const since = query.since && canonicalTime(query.since);
  const until = query.until && canonicalTime(query.until);
  if (since && until && since >= until) throw ApiError.of('invalidInput', [{ field: 'until', issue: 'Must be later than since' }]);
  const position = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && !position) throw ApiError.of('invalidInput', [{ field: 'cursor', issue: 'Invalid cursor' }]);
  if (query.source === 'kv' && query.q !== undefined) throw ApiError.of('invalidInput', [{ field: 'q', issue: 'Text search needs source=d1' }]);
  return { projectId, levels: query.level, services: query.service, attributes: query.attributes, since, until, text: query.q, position, order: query.order };
}

export async function queryLogs(env: Env, principal: Principal, query: Query): Promise<{ page: { source: Query['source']; entries: LogEntry[] }; nextCursor?: string }> {
  const projectId = await readableProject(env, principal, query.projectId);
  // One entry more than the page tells whether there is a next page.
  const filter: LogFilter = { ...filterOf(projectId, query), limit: query.limit + 1 };
  const found = query.source === 'kv' ? await recentPage(env.CACHE, filter, Date.now()) : await shardPage(env, filter);
  const entries = found.slice(0, query.limit);
  const nextCursor = found.length > query.limit ? encodeCursor(entries[entries.length - 1]) : undefined;
  return { page: { source: query.source, entries }, nextCursor };
}

/** A page from the project's log shard: candidate blocks from their metadata and term filters, then their entries. */
async function shardPage(env: Env, filter: LogFilter): Promise<LogEntry[]> {
  const shard = (await logShardsOf(env.DB, [filter.projectId])).get(filter.projectId);
  // The project was deleted between the access check and here.
  if (!shard) throw ApiError.of('notFound');
  const db = logShard(env, shard);
  return pageFromBlocks(candidateBlocks(db, filter), (refs) => readBlocks(db, filter.projectId, refs), filter);
}
