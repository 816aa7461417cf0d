// Does forgot-password (and magic-link) tell known addresses from unknown ones by its timing?
// (issue 15: 34 vs 22 ms median when the mail was sent before answering.) Loglane's built bundle in
// Miniflare (development: the mail is a D1 outbox write), requests alternating between known and
// unknown addresses, one at a time, each address asked once (its per-address rate-limit counter is
// as fresh as an attacker's probe finds it); medians and their ratio per operation.
import { directUrl, loglaneWorker, migrateLoglane, startMiniflare } from './lib/mf';
import { round, type Spread, sleep, spread } from './lib/stats';

export type EmailTimingResult = Record<string, { knownMs: Spread; unknownMs: Spread; knownVsUnknown: number }>;

export async function runEmailTiming(opts: { samples: number; log: (s: string) => void }): Promise<EmailTimingResult> {
  const mf = await startMiniflare([loglaneWorker({ name: 'loglane-dev', environment: 'development', queue: 'undrained' })]);
  try {
    const db = await migrateLoglane(mf, 'loglane-dev');
    const paths = ['/v1/auth/forgot-password', '/v1/auth/magic-link'];
    const knownAddress = (path: string, i: number) => `known-${paths.indexOf(path)}-${i}@example.com`;
    const now = new Date().toISOString();
    const users = paths.flatMap((path) => Array.from({ length: opts.samples }, (_, i) => knownAddress(path, i)));
    await db.batch(
      users.map((email, i) =>
        db
          .prepare(
            "INSERT INTO users (id, email, name, email_verified, password_hash, created_at, updated_at) VALUES (?, ?, 'Known', 1, NULL, ?, ?)",
          )
          .bind(`usr_known${i}`, email, now, now),
      ),
    );
    const base = await directUrl(mf, 'loglane-dev');
    const timed = async (path: string, email: string) => {
      const started = performance.now();
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      return performance.now() - started;
    };
    const result: EmailTimingResult = {};
    for (const path of paths) {
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < opts.samples; i++) {
        // Alternating which goes first, with a pause after each: the work one request left running
        // past its response (the mail) must not land on the next request's clock.
        const pair = [
          () => timed(path, knownAddress(path, i)).then((ms) => known.push(ms)),
          () => timed(path, `nobody-${paths.indexOf(path)}-${i}@example.com`).then((ms) => unknown.push(ms)),
        ];
        for (const run of i % 2 ? pair.reverse() : pair) {
          await run();
          await sleep(25);
        }
      }
      const knownMs = spread(known);
      const unknownMs = spread(unknown);
      result[path] = { knownMs, unknownMs, knownVsUnknown: round(knownMs.median / unknownMs.median, 2) };
      opts.log(`  ${path}: known ${round(knownMs.median, 2)} ms, unknown ${round(unknownMs.median, 2)} ms (median of ${opts.samples})`);
    }
    return result;
  } finally {
    await mf.dispose();
  }
}
