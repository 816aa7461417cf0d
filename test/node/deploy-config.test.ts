// Safe by default (security review item 7): what a plain `wrangler deploy` ships is production.
// Before 2.0 the top level of wrangler.jsonc was development, so `wrangler deploy` exposed the dev
// outbox (every magic-link and reset token) and shared the archive bucket with development.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { ROOT } from '../../scripts/lib.ts';
import { DEV_ENV } from '../../scripts/local-dev.ts';

type Config = {
  vars: Record<string, unknown>;
  r2_buckets: { binding: string; bucket_name?: string }[];
  d1_databases: { binding: string; migrations_dir?: string }[];
  queues: { producers?: { binding: string }[]; consumers?: { queue: string; max_batch_timeout?: number }[] };
};
const read = (env?: string): Config => unstable_readConfig({ config: path.join(ROOT, 'wrangler.jsonc'), env });

describe('wrangler.jsonc', () => {
  it('deploys production from the top level, development only when asked for', () => {
    expect(read().vars.ENVIRONMENT).toBe('production');
    expect(read(DEV_ENV).vars.ENVIRONMENT).toBe('development');
    expect(String(read().vars.PUBLIC_BASE_URL)).toMatch(/^https:\/\//);
  });

  it('gives each environment its own archive bucket', () => {
    const bucket = (env?: string) => read(env).r2_buckets.find((b) => b.binding === 'ARCHIVE')?.bucket_name;
    expect(bucket()).toBeTruthy();
    expect(bucket(DEV_ENV)).toBeTruthy();
    expect(bucket(DEV_ENV)).not.toBe(bucket());
  });

  it('binds the same databases, queues and log shards in both environments, and opens only bound shards', () => {
    for (const env of [undefined, DEV_ENV]) {
      const config = read(env);
      const databases = config.d1_databases.map((d) => d.binding);
      expect(databases).toEqual(['DB', 'LOGS_0', 'LOGS_1']);
      for (const shard of String(config.vars.LOG_SHARDS_OPEN).split(',')) expect(databases).toContain(shard);
      expect(config.queues.producers?.map((q) => q.binding).sort()).toEqual(['LOG_QUEUE', 'PURGE_QUEUE']);
      expect(config.d1_databases.filter((d) => d.binding !== 'DB').every((d) => d.migrations_dir === 'migrations/logs')).toBe(true);
    }
  });

  it('delivers stored entries to a live tail within 2 seconds of their 202 in every environment (log consumer batch timeout 1 s)', () => {
    for (const env of [undefined, DEV_ENV]) {
      const consumer = read(env).queues.consumers?.find((q) => q.queue === 'loglane-logs');
      expect(consumer?.max_batch_timeout).toBe(1);
    }
  });
});
