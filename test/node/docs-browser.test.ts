// The reference at /docs, rendered by a real browser: the Worker runs under `wrangler dev` (as with
// `npm start`, on a free port, with its local state in a temporary directory), Debian's Chromium
// opens /docs headless, and the test checks that every tag, every operation, the guides, the code
// samples and the generated "Error codes" table render (codes on one line), that constants show
// their value, that there is a favicon and no badge, and that the page makes no request beyond
// loopback. Screenshots go to test/artifacts/. Without /usr/bin/chromium (`apt-get install chromium`) the test is skipped,
// with a message saying so; a downloaded browser is never used.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, readJson, run } from '../../scripts/lib.ts';
import { devServerArgs, localDatabases, migrateArgs } from '../../scripts/local-dev.ts';

type Json = any;
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const contract: Json = readJson(path.join(ROOT, 'generated', 'openapi.json'));
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];
const operations = Object.values<Json>(contract.paths).flatMap((item) => METHODS.filter((m) => item[m]).map((m) => item[m]));
const errorCodes: string[] = contract.components.schemas.ErrorCode.enum;

const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(
    `\n[docs-browser] SKIPPED: ${CHROMIUM} is missing, so /docs is not checked in a browser.\n  Install it with: apt-get update && apt-get install -y chromium\n`,
  );
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True for the URLs a self-contained page on loopback may load. */
function staysLocal(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (['data:', 'blob:', 'about:'].includes(protocol)) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}

describe.skipIf(!available)('the reference at /docs in headless Chromium', () => {
  const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true' };
  let stateDir: string;
  let worker: ChildProcess | undefined;
  let workerLog = '';
  let origin: string;
  let browser: Browser | undefined;

  const stopWorker = () => {
    // wrangler dev leaves workerd running if only its parent is killed: signal the whole group.
    if (worker?.pid && worker.exitCode === null && worker.signalCode === null) {
      try {
        process.kill(-worker.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  };

  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'loglane-docs-state-'));
    // The developer's .wrangler/state is left alone: migrations and the Worker use stateDir.
    for (const database of localDatabases()) run('wrangler', migrateArgs(database, stateDir), { env });

    const [port, inspectorPort] = [await freePort(), await freePort()];
    origin = `http://127.0.0.1:${port}`;
    worker = spawn(
      BIN('wrangler'),
      [
        // As `npm start` runs it, independent of a developer's .dev.vars: the example file plus a throwaway secret.
        ...devServerArgs(port, {
          inspectorPort,
          persistTo: stateDir,
          envFile: path.join(ROOT, '.dev.vars.example'),
          vars: { JWT_SECRET: randomBytes(24).toString('base64url') },
        }),
        '--show-interactive-dev-session=false',
      ],
      { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    worker.stdout?.on('data', (chunk) => (workerLog += chunk));
    worker.stderr?.on('data', (chunk) => (workerLog += chunk));
    process.once('exit', stopWorker);

    const deadline = Date.now() + 90_000;
    for (;;) {
      if (worker.exitCode !== null) throw new Error(`wrangler dev exited with ${worker.exitCode}:\n${workerLog}`);
      try {
        if ((await fetch(`${origin}/v1/health`)).ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on ${origin} within 90 s:\n${workerLog}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    stopWorker();
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      const timeout = new Promise((resolve) => setTimeout(resolve, 10_000, 'timeout'));
      if ((await Promise.race([exited, timeout])) === 'timeout' && worker.pid) process.kill(-worker.pid, 'SIGKILL');
    }
    process.removeListener('exit', stopWorker);
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('renders every tag, every operation and the error codes, and loads nothing from the network', async () => {
    const page = await browser!.newPage({ viewport: { width: 1440, height: 1000 } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    // Recorded above, then refused: the test itself never reaches beyond loopback.
    await page.route(
      (url) => !staysLocal(url.href),
      (route) => route.abort('blockedbyclient'),
    );
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const menuItem = (label: string) =>
      page
        .locator('[data-component-name="Menu/MenuItem"]')
        .filter({ has: page.getByText(label, { exact: true }) })
        .last();
    // Redoc's headings carry a deep-link anchor, so they are matched on their exact text.
    const heading = (text: string) =>
      page.locator('h1, h2', { hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).first();
    const shows = async (text: string) => {
      try {
        await heading(text).waitFor({ timeout: 5_000 });
        return true;
      } catch {
        return false;
      }
    };

    const response = await page.goto(`${origin}/docs`, { waitUntil: 'networkidle', timeout: 60_000 });
    expect(response?.status()).toBe(200);
    await heading(`${contract.info.title} (${contract.info.version})`).waitFor({ timeout: 30_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs.png') });

    // Redoc renders one tag or operation at a time: open each from the menu, as a reader would.
    const missing: string[] = [];
    for (const tag of contract.tags) {
      await menuItem(tag.name).click();
      if (!(await shows(tag.name))) missing.push(`tag ${tag.name}`);
      for (const op of operations.filter((o) => o.tags?.[0] === tag.name)) {
        await menuItem(op.summary).click();
        if (!(await shows(op.summary))) missing.push(`operation ${op.operationId} ("${op.summary}")`);
      }
    }
    expect(missing, 'not rendered').toEqual([]);
    const sample = operations.find((op) => op.operationId === 'login') ?? operations[0];
    await menuItem(sample.tags[0]).click();
    await menuItem(sample.summary).click();
    await heading(sample.summary).waitFor();
    // Its code samples: curl first, then TypeScript calling the client, picked from the language menu.
    await page.getByText(`curl -X POST "${origin}/v1/auth/login"`).first().waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'curl', exact: true }).first().click();
    // Chosen with the keyboard: the menu can open partly below the fold, where a pointer click cannot land.
    await page.getByRole('menuitem', { name: 'TypeScript' }).first().press('Enter');
    await page.getByText(`loglane.${sample.operationId}(`).first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-operation.png') });

    // The guides, in the order of their group, each with its text.
    const guides: string[] = contract['x-tagGroups'].find((group: Json) => group.name === 'Guides').tags;
    expect(guides.slice(0, 4)).toEqual(['Getting started', 'Sending logs', 'Querying logs', 'Rate limits']);
    await menuItem('Getting started').click();
    await page.getByText('@loglane/client', { exact: false }).first().waitFor({ timeout: 10_000 });
    await menuItem('Rate limits').click();
    const limits = page.locator('table').filter({ hasText: 'Requests a minute' }).first();
    await limits.waitFor({ timeout: 10_000 });
    expect(await limits.innerText()).toContain('6,000');
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-guide.png') });

    // A constant renders as its value, not as "any": the health status is always "ok".
    await page.goto(`${origin}/docs#/health/gethealth`, { waitUntil: 'networkidle' });
    const statusField = page.locator('.schema-property-item[id$="c=200&path=data/status"]').first();
    await statusField.waitFor({ timeout: 10_000 });
    expect(await statusField.innerText()).toMatch(/string[\s\S]*Value:\s*"ok"/);
    expect(await statusField.innerText()).not.toMatch(/\bany\b/);

    // No "API docs by" badge, and a favicon.
    expect(await page.getByText('API docs by').isVisible()).toBe(false);
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,/);

    // The "Error codes" section: its table lists every code with its HTTP status.
    await menuItem('Error codes').click();
    const codeTable = page.locator('table').filter({ hasText: 'HTTP status' }).first();
    await codeTable.waitFor({ timeout: 10_000 });
    await codeTable.scrollIntoViewIfNeeded();
    const rows = await codeTable.locator('tr').allInnerTexts();
    const statuses = contract.components.schemas.ErrorCode['x-error-catalog'].codes;
    const missingCodes = errorCodes.filter((code) => !rows.some((row) => row.includes(code) && row.includes(String(statuses[code]))));
    expect(missingCodes, 'error codes missing from the "Error codes" table').toEqual([]);
    expect(rows).toHaveLength(errorCodes.length + 1);
    // Each code on one line: a wrapped "UNAUTH ORIZED" is taller than the one-line codes.
    const codeCells = await codeTable
      .locator('td > code')
      .evaluateAll((cells) => cells.map((cell) => ({ code: cell.textContent, height: cell.getBoundingClientRect().height })));
    const oneLine = Math.min(...codeCells.map((cell) => cell.height));
    const wrapped = codeCells.filter((cell) => cell.height > oneLine * 1.5).map((cell) => cell.code);
    expect(wrapped, 'error codes wrapped over two lines').toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-error-codes.png') });

    // A mail's link leads to the reference of the call that takes its token.
    const email = `docs-${randomBytes(6).toString('hex')}@example.com`;
    const registered = await fetch(`${origin}/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct-horse-battery', name: 'Docs' }),
    });
    expect(registered.status).toBe(201);
    const mail = ((await (await fetch(`${origin}/v1/dev/outbox?to=${encodeURIComponent(email)}`)).json()) as Json).data[0];
    const link = /https?:\/\/\S+/.exec(mail.text)![0];
    expect(link.startsWith(`${origin}/docs#`)).toBe(true);
    await page.goto(link, { waitUntil: 'networkidle' });
    await heading(operations.find((op) => op.operationId === 'verifyEmail').summary).waitFor({ timeout: 10_000 });

    expect(pageErrors, 'errors thrown by the page').toEqual([]);
    expect(requests[0]).toBe(`${origin}/docs`);
    expect(
      requests.filter((url) => !staysLocal(url)),
      'requests beyond loopback (the reference must be self-contained)',
    ).toEqual([]);
    await page.close();
  });
});
