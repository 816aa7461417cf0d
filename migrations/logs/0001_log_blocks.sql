-- A log shard: entries stored as blocks, many entries per row. A block holds entries of ONE project
-- and ONE UTC hour (so a block's time range is at most an hour), oldest first, as one gzipped JSON
-- line of columns (src/blocks/format.ts, encodeEntries): the same bytes retention later copies into
-- R2 archives. (The encoding was gzipped NDJSON before 2.0 shipped; no deployment held production
-- data in it, so nothing is converted.)
--
-- WITHOUT ROWID with the primary key (project_id, max_ts, id): a project's blocks lie together in
-- newest-entry order, so every query reads only its own project's key range, and a stored block
-- costs one written row (no secondary index). Columns are ordered small to large: a query's filter
-- reads the metadata and the term filter without touching `data`'s overflow pages.
CREATE TABLE log_blocks (
  project_id TEXT NOT NULL,
  -- newest entry time (canonical RFC 3339 UTC, fixed width, so text order is time order)
  max_ts TEXT NOT NULL,
  -- the block's smallest entry id: an entry is stored in one block only, so this is unique
  id TEXT NOT NULL,
  -- oldest entry time (same UTC hour as max_ts)
  min_ts TEXT NOT NULL,
  entries INTEGER NOT NULL,
  -- bit per level present: debug 1, info 2, warn 4, error 8, fatal 16
  levels INTEGER NOT NULL,
  -- first entry ids of the queue messages that start in this block (redelivery check)
  messages TEXT NOT NULL,
  -- Bloom filter over the messages' lowercase trigrams, services and attribute pairs
  terms BLOB NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (project_id, max_ts, id)
) WITHOUT ROWID;
