// npm start [-- <wrangler dev args>]: runs the API locally on http://127.0.0.1:8787 (PORT overrides;
// PUBLIC_BASE_URL follows it: mail links, the OAuth redirect_uri, the reference's server and samples).
// First run creates .dev.vars with a random local JWT secret; every run applies the local D1
// migrations first (the control plane and every log shard of env.development). Extra arguments go to `wrangler dev` (e.g. `-- --var RATE_LIMIT_AUTH_PER_MINUTE:60`).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, run } from './lib.ts';
import { devServerArgs, localDatabases, migrateArgs } from './local-dev.ts';

const devVars = path.join(ROOT, '.dev.vars');
if (!existsSync(devVars)) {
  const example = readFileSync(path.join(ROOT, '.dev.vars.example'), 'utf8');
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  writeFileSync(devVars, example.replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${secret}`), { mode: 0o600 });
  console.log('Created .dev.vars with a random local JWT_SECRET (never committed).');
}

// Wrangler would otherwise wait on the network for request.cf data.
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };
for (const database of localDatabases()) run('wrangler', migrateArgs(database), { env: { ...env, CI: 'true' } });

const port = process.env.PORT ?? '8787';
const args = [...devServerArgs(port), ...process.argv.slice(2)];
const wrangler = spawn(BIN('wrangler'), args, { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => wrangler.kill(signal));
wrangler.on('exit', (code) => process.exit(code ?? 0));
