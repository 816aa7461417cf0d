// GET /v1/logs: which project the caller may read, then one page from D1 or from the KV fast path.
import type { z } from 'zod';
import type { zQueryLogsQuery } from '../../generated/zod/zod.gen';
import { type BlockPage, pageFromBlocks } from '../blocks/page';
import { recentPage } from '../kv/recent-logs';
import { ApiError } from '../lib/errors';
import { logShard } from '../lib/shards';
import { canonicalTime, decodeCursor, encodeCursor, type LogEntry, type LogFilter } from '../model/logs';
import { candidateBlocks, readBlocks } from '../repositories/log-blocks';
import { findLogShard } from '../repositories/projects';
import type { Principal } from '../types';
import { projectForMember } from './projects';

type Query = z.infer<typeof zQueryLogsQuery>;

// The most stored entries one request looks at: any filter answers in bounded time, and a sparse
// one pages on with a short page and a cursor (as CloudWatch's FilterLogEvents does).
export const SCAN_BUDGET = 10_000;

type AskedProject = { id: string; memberUserId?: string };
/**
 * The project a caller asks to read: an API key reads its own project (naming another is 404, as
 * if it did not exist); a user names one, and must be a member of its workspace (`memberUserId`).
 */
function askedProject(principal: Principal, projectId: string | undefined): AskedProject {
  if (principal.kind === 'apiKey') {
    if (projectId !== undefined && projectId !== principal.projectId) throw ApiError.of('notFound');
    return { id: principal.projectId };
  }
  if (projectId === undefined) throw ApiError.of('invalidInput', [{ field: 'projectId', issue: 'Required with a user token' }]);
  return { id: projectId, memberUserId: principal.userId };
}

/** The project a caller may read (a user's membership checked). */
export async function readableProject(env: Env, principal: Principal, projectId: string | undefined): Promise<string> {
  const asked = askedProject(principal, projectId);
  return asked.memberUserId === undefined ? asked.id : (await projectForMember(env, asked.memberUserId, asked.id)).id;
}

/** Only the project's own entries, in the asked order; times canonical. */
function filterOf(projectId: string, query: Query): Omit<LogFilter, 'limit'> {
  const since = query.since && canonicalTime(query.since);
  const until = query.until && canonicalTime(query.until);
  if (since && until && since >= until) throw ApiError.of('invalidInput', [{ field: 'until', issue: 'Must be later than since' }]);
  const position = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && !position) throw ApiError.of('invalidInput', [{ field: 'cursor', issue: 'Invalid cursor' }]);
  if (query.source === 'kv' && query.q !== undefined)
    throw ApiError.of('invalidInput', [{ field: 'q', issue: 'Text search needs source=d1' }]);
  return {
    projectId,
    levels: query.level,
    services: query.service,
    attributes: query.attributes,
    since,
    until,
    text: query.q,
    position,
    order: query.order,
  };
}

export async function queryLogs(
  env: Env,
  principal: Principal,
  query: Query,
): Promise<{ page: { source: Query['source']; entries: LogEntry[] }; nextCursor?: string }> {
  const asked = askedProject(principal, query.projectId);
  // One entry more than the page tells whether there is a next page.
  const filter: LogFilter = { ...filterOf(asked.id, query), limit: query.limit + 1 };
  const found = query.source === 'kv' ? await kvPage(env, asked, filter) : await shardPage(env, asked, filter);
  const entries = found.entries.slice(0, query.limit);
  const next = found.entries.length > query.limit ? entries[entries.length - 1] : found.resumeAt;
  const nextCursor = next && encodeCursor(next);
  return { page: { source: query.source, entries }, nextCursor };
}

/** A page from the KV fast path, once a user's membership is checked (an API key's project needs no read). */
async function kvPage(env: Env, asked: AskedProject, filter: LogFilter): Promise<BlockPage> {
  if (asked.memberUserId !== undefined) await projectForMember(env, asked.memberUserId, asked.id);
  return recentPage(env.CACHE, filter, Date.now(), SCAN_BUDGET);
}

/**
 * A page from the project's log shard: candidate blocks from their metadata and term filters, then
 * their entries. One read of `projects` says both where the entries live and whether a user may read them.
 */
async function shardPage(env: Env, asked: AskedProject, filter: LogFilter): Promise<BlockPage> {
  const shard = await findLogShard(env.DB, asked.id, asked.memberUserId);
  if (!shard) throw ApiError.of('notFound');
  const db = logShard(env, shard);
  return pageFromBlocks(candidateBlocks(db, filter), (refs) => readBlocks(db, shard, filter, refs), filter, SCAN_BUDGET);
}
