// npm run bench [-- --only a,b] [-- --quick] [-- --profile <in-process case> | workerd:<case>] [-- --cost-entries N]
// Sections: size, client, hops, inprocess, workerd, shipper, drain, query, cost, tooling, load, proposals, email-timing (default: all).
// `proposals` measures bench/proposals/*.patch (proposed src/ changes) applied to a temp copy.
// Every figure is a ratio against baselines run in the same process and session (each section
// runs its own); the table is printed and bench/results.json is updated section by section.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runClient } from './client';
import { runCost } from './cost';
import { runDrain } from './drain';
import { runEmailTiming } from './email-timing';
import { runHops } from './hops';
import { buildAll, OUT, ROOT } from './lib/build';
import { summarise } from './lib/profile';
import { fmtSpread, round } from './lib/stats';
import { runLoad } from './load';
import { runProposals } from './proposals';
import { runQuery } from './query';
import { runShipper } from './shipper';
import { runSize } from './size';
import { runTooling } from './tooling';
import { runWorkerd } from './workerd';

const SECTIONS = [
  'size',
  'client',
  'hops',
  'inprocess',
  'workerd',
  'shipper',
  'drain',
  'query',
  'cost',
  'tooling',
  'load',
  'proposals',
  'email-timing',
] as const;
type Section = (typeof SECTIONS)[number];

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('quick');
const only = (value('only')?.split(',') ?? SECTIONS) as Section[];
const RESULTS = path.join(ROOT, 'bench/results.json');
const log = (s: string) => process.stderr.write(`${s}\n`);

function machine() {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  };
}

/** `--profile <in-process case>`, or `--profile workerd:<Loglane workerd case>` (bench/workerd.ts). */
async function profile(caseName: string) {
  const dir = path.join(OUT, 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const inWorkerd = caseName.startsWith('workerd:');
  if (inWorkerd) {
    const websocket = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-websocket'] : [];
    const out = path.join(dir, `workerd-${caseName.slice('workerd:'.length)}.cpuprofile`);
    execFileSync(
      process.execPath,
      [...websocket, '--import', 'tsx', 'bench/workerd.ts', '--profile', caseName.slice('workerd:'.length), '8', out],
      { cwd: ROOT, stdio: 'inherit' },
    );
  } else {
    execFileSync(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', 'bench/inprocess.ts', '--profile', caseName, '--seconds', '8'],
      { cwd: ROOT, stdio: 'inherit' },
    );
  }
  const file = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!);
  const s = summarise(file, 30);
  console.log(
    `profile of ${caseName}: ${file}\n-- self time by area --\n${s.areas.join('\n')}\n-- by function --\n${s.functions.join('\n')}`,
  );
}

async function main() {
  const started = performance.now();
  log('building contenders (esbuild)…');
  await buildAll();
  const profiled = value('profile');
  if (profiled) return profile(profiled);

  const results: Record<string, any> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
  const stamp = (section: string, data: unknown) => {
    results[section] = { ranAt: new Date().toISOString(), machine: machine(), ...(data as object) };
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  };
  const guard = async (section: Section, fn: () => Promise<unknown> | unknown) => {
    if (!only.includes(section)) return;
    const t = performance.now();
    log(`— ${section}`);
    try {
      stamp(section, await fn());
    } catch (e) {
      log(`  ${section} failed: ${e instanceof Error ? e.stack : e}`);
      stamp(section, { error: String(e) });
    }
    log(`  ${section}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
  };

  await guard('size', () => runSize(quick ? 5 : 11));
  await guard('client', () => runClient());
  await guard('hops', () => runHops());
  await guard('inprocess', () => {
    const out = path.join(OUT, 'inprocess.json');
    execFileSync(
      process.execPath,
      ['--import', 'tsx', 'bench/inprocess.ts', '--out', out, '--rounds', quick ? '3' : '7', '--round-ms', quick ? '2000' : '4000'],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    return JSON.parse(readFileSync(out, 'utf8'));
  });
  await guard('workerd', () => runWorkerd({ rounds: quick ? 2 : 5, seconds: quick ? 2 : 3, connections: 16, log }));
  await guard('shipper', () => runShipper({ rounds: quick ? 3 : 5, entries: quick ? 10_000 : 20_000, log }));
  await guard('drain', () => runDrain({ deliveries: quick ? 4 : 8, log }));
  await guard('query', () =>
    runQuery({ sizes: quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000], samples: quick ? 60 : 150, budgetSeconds: 240, log }),
  );
  await guard('cost', () =>
    runCost({ entries: Number(value('cost-entries') ?? (quick ? 100_000 : 1_000_000)), samples: quick ? 20 : 100, log }),
  );
  await guard('tooling', () => runTooling());
  await guard('load', () => runLoad({ seconds: quick ? 10 : 30, connections: 8, log }));
  await guard('proposals', () => runProposals({ quick, log }));
  await guard('email-timing', () => runEmailTiming({ samples: quick ? 40 : 150, log }));

  results.summary = {
    ranAt: new Date().toISOString(),
    wallSeconds: Math.round((performance.now() - started) / 1000),
    sections: only,
    targets: targets(results),
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(table(results));
}

type Row = { what: string; measured: string; target: string; met: boolean | null };

function targets(r: Record<string, any>): Row[] {
  const rows: Row[] = [];
  const ip = r.inprocess?.cases;
  if (ip?.loglane?.vsBarePost) {
    const ours = ip.loglane.usPerRequest.median;
    rows.push({
      what: 'in-process: Loglane validated create vs bare POST',
      measured: `${fmtSpread(ip.loglane.vsBarePost, 3)}×; ${round(ours, 0)} µs vs starter ${round(ip.starter?.usPerRequest.median, 0)}, chanfana ${round(ip.chanfana?.usPerRequest.median, 0)}`,
      target: '≥ 0.7× and faster than both peers',
      met: ip.loglane.vsBarePost.median >= 0.7 && ours < ip.starter.usPerRequest.median && ours < ip.chanfana.usPerRequest.median,
    });
  }
  if (r.inprocess?.validationOverhead) {
    rows.push({
      what: 'in-process: with / without contract validation (request + response, dev and tests)',
      measured: `${fmtSpread(r.inprocess.validationOverhead, 3)}×`,
      target: '≥ 0.9×',
      met: r.inprocess.validationOverhead.median >= 0.9,
    });
    const production = r.inprocess.productionValidationOverhead;
    if (production)
      rows.push({
        what: 'in-process: with / without contract validation (request only, production config)',
        measured: `${fmtSpread(production, 3)}×`,
        target: '≥ 0.9×',
        met: production.median >= 0.9,
      });
  }
  if (ip?.['loglane-prod']?.usPerRequest && ip.chanfana?.usPerRequest) {
    const [ours, theirs] = [ip['loglane-prod'].usPerRequest.median, ip.chanfana.usPerRequest.median];
    rows.push({
      what: 'in-process: createProject (production config) vs chanfana create',
      measured: `${round(ours, 0)} vs ${round(theirs, 0)} µs`,
      target: 'faster than chanfana',
      met: ours < theirs,
    });
  }
  const hops = r.hops;
  if (hops?.ingest) {
    const counts = [hops.ingest, hops.userRead, hops.userWrite];
    rows.push({
      what: 'durable round trips before the handler: ingest / user read / user write (counted)',
      measured: `${counts.map((c) => c.beforeHandler).join(' / ')} (in all: ${counts.map((c) => `${c.durableObject} DO + ${c.d1} D1 + ${c.queue} queue`).join('; ')})`,
      target: '1 / 1 / 1',
      met: counts.every((c) => c.beforeHandler <= 1),
    });
  }
  const wd = r.workerd?.cases;
  if (wd?.['ingest-1']) {
    // Beside req/s, workerd's CPU per request (the Worker, its objects and storage), steadier on shared cores.
    const cpu = (name: string) => `${round(wd[name].cpuUsPerRequest?.median, 0)} µs`;
    rows.push({
      what: 'workerd: POST /v1/logs (1 entry) vs chanfana create',
      measured: `${fmtSpread(wd['ingest-1'].vsChanfana, 2)}×; CPU a request ${cpu('ingest-1')} vs ${cpu('chanfana')}`,
      target: '≥ 1.0× (issue 14; ≥ 2× before it)',
      met: wd['ingest-1'].vsChanfana.median >= 1,
    });
    rows.push({
      what: 'workerd: createProject (production config) vs bare POST + insert',
      measured: `${fmtSpread(wd['loglane-prod'].vsBarePost, 2)}×; CPU a request ${cpu('loglane-prod')} vs ${cpu('bare-post')}`,
      target: '≥ 0.5×',
      met: wd['loglane-prod'].vsBarePost.median >= 0.5,
    });
    rows.push({
      what: 'workerd: 100-entry batches, entries/s accepted',
      measured: fmtSpread(wd['ingest-100'].entriesPerSec, 0),
      target: '≥ 50,000/s',
      met: wd['ingest-100'].entriesPerSec.median >= 50_000,
    });
  }
  if (r.shipper?.vsRaw) {
    rows.push({
      what: 'shipper: entries/s through createLogShipper (500 a batch, gzip) vs raw batched ingestLogs calls',
      measured: `${fmtSpread(r.shipper.shipperEntriesPerSec, 0)} vs ${fmtSpread(r.shipper.rawEntriesPerSec, 0)} (${fmtSpread(r.shipper.vsRaw, 2)}×); without gzip ${fmtSpread(r.shipper.withoutGzipVsRaw, 2)}×; raw calls with an Idempotency-Key ${fmtSpread(r.shipper.rawWithIdempotencyKeyEntriesPerSec, 0)}`,
      target: 'reported',
      met: null,
    });
  }
  const size = r.size;
  if (size?.loglane) {
    const ours = size.loglane;
    rows.push({
      what: 'bundle gzip: loglane vs chanfana',
      measured: `${ours.gzipKiB} vs ${size.chanfana.gzipKiB} KiB (${ours.gzipVsChanfana}×)`,
      target: '≤ 1×',
      met: ours.gzipVsChanfana <= 1,
    });
    rows.push({
      what: 'Node import: loglane vs chanfana',
      measured: `${round(ours.importMs.median, 0)} vs ${round(size.chanfana.importMs.median, 0)} ms (${fmtSpread(ours.importVsChanfana, 2)}×)`,
      target: '≤ 1×',
      met: ours.importVsChanfana.median <= 1,
    });
  }
  if (r.drain?.consumerEntriesPerSec) {
    rows.push({
      what: 'consumer drain, entries/s, 2 shards (idempotent)',
      measured: `${fmtSpread(r.drain.consumerEntriesPerSec, 0)}; ${fmtSpread(r.drain.vsRawInsert, 2)}× raw D1 batch; redelivery ${r.drain.idempotent ? 'stored nothing twice' : 'NOT idempotent'}`,
      target: '≥ 40,000/s',
      met: r.drain.consumerEntriesPerSec.median >= 40_000 && r.drain.idempotent,
    });
  }
  if (r.query?.points?.length) {
    const last = r.query.points[r.query.points.length - 1];
    const stored = last.stored.toLocaleString('en');
    const flat = (growth: Record<string, number> | undefined) => (growth ? Math.max(...Object.values(growth)) : undefined);
    rows.push({
      what: `query d1 p95 at ${stored} stored, every filter`,
      measured: `worst ${r.query.d1WorstP95.p95} ms (${r.query.d1WorstP95.filter}; health ${last.health.p95} ms); at most ${flat(r.query.d1P95GrowthVs10k)}× a filter's 10k p95; plan uses index: ${r.query.usesIndexOnly}`,
      target: last.stored >= 1_000_000 ? '< 50 ms at 1M, flat' : '< 50 ms at 1M (1M not reached)',
      met: last.stored >= 1_000_000 ? r.query.d1WorstP95.p95 < 50 && r.query.usesIndexOnly : null,
    });
    rows.push({
      what: `query kv p95 at ${stored} stored, every filter but q`,
      measured: `worst ${r.query.kvWorstP95.p95} ms (${r.query.kvWorstP95.filter}); at most ${flat(r.query.kvP95GrowthVs10k)}× a filter's 10k p95`,
      target: 'reported',
      met: null,
    });
  }
  rows.push(...costRows(r.cost));
  if (r.tooling?.generate) {
    rows.push({
      what: 'npm run generate wall time',
      measured: `${r.tooling.generate.seconds} s (${r.tooling.generate.vsBaseline}× a bare tsx start)`,
      target: '≤ 10 s',
      met: r.tooling.generate.seconds <= 10 && r.tooling.generate.exitCode === 0,
    });
    rows.push({
      what: 'npm run check wall time',
      measured: `${r.tooling.check.seconds} s, exit ${r.tooling.check.exitCode}`,
      target: '≤ 20 s',
      met: r.tooling.check.seconds <= 20,
    });
  }
  if (r.client?.['openapi-fetch']) {
    // The plugin row is for information: createLoglaneClient's defaults on top of the core.
    for (const [name, judged] of [
      ['client core', true],
      ['client core + retry + refresh', false],
    ] as const) {
      const c = r.client[name];
      if (!c) continue;
      rows.push({
        what: `client, one operation: ${name}`,
        measured: c.error ? c.error : `${c.gzipKiB} vs ${r.client['openapi-fetch'].gzipKiB} KiB gz (${c.gzipVsOpenapiFetch}×)`,
        target: judged ? '≤ openapi-fetch' : 'reported',
        met: c.error || !judged ? null : c.gzipVsOpenapiFetch <= 1,
      });
    }
  }
  if (r.load?.requests !== undefined) {
    rows.push({
      what: `load on npm start, ${r.load.seconds} s`,
      measured: `${r.load.requests} requests ${JSON.stringify(r.load.byStatus)}; unintended ${r.load.unintended}; accepted ${r.load.acceptedEntries}, stored ${r.load.storedEntries}${r.load.drainSeconds !== null ? ` (drained ${r.load.drainSeconds} s after)` : ''}`,
      target: '0 errors but 429s; stored = accepted',
      met: r.load.ok,
    });
  }
  for (const [path, t] of Object.entries<any>(r['email-timing'] ?? {})) {
    if (!t?.knownMs) continue;
    rows.push({
      what: `${path}: known vs unknown address, median ms`,
      measured: `${round(t.knownMs.median, 2)} vs ${round(t.unknownMs.median, 2)} ms (${t.knownVsUnknown}×)`,
      target: 'the same (0.9–1.1×)',
      met: t.knownVsUnknown >= 0.9 && t.knownVsUnknown <= 1.1,
    });
  }
  return rows;
}

/** The rows of issue 13 measured by bench/cost.ts (one run, one workload). */
function costRows(c: Record<string, any> | undefined): Row[] {
  if (!c?.dollarsPerGb) return [];
  const n = c.entries.toLocaleString('en');
  const worst = (p95s: Record<string, number>) => Object.entries(p95s).reduce((a, b) => (b[1] > a[1] ? b : a));
  const [worstWithB, worstRatio] = worst(c.aWithVsWithoutB);
  // Runs before 2026-12-02 measured A alone once.
  const aloneTwice = c.aAgainVsFirstWithoutB ? worst(c.aAgainVsFirstWithoutB) : undefined;
  const d1Filters = Object.entries<number>(c.bP95).filter(([name]) => !name.startsWith('kv'));
  const slowestP95 = Math.max(...d1Filters.map(([, p95]) => p95));
  return [
    {
      what: 'dollars per GB ingested and kept 30 days, list prices',
      measured: `$${c.dollarsPerGb} (${n} entries, ${round(c.ingestedBytes / 1e6, 0)} MB of JSON; CPU priced at workerd's own CPU time, an upper bound: $${c.dollarsPerGbByItem.workerCpuUpperBound})`,
      target: '≤ $0.25',
      met: c.dollarsPerGb <= 0.25,
    },
    {
      what: 'D1 rows written per stored entry (insert + retention delete)',
      measured: String(c.d1RowsWrittenPerEntry),
      target: '≤ 0.1',
      met: c.d1RowsWrittenPerEntry <= 0.1,
    },
    {
      what: 'D1 bytes per entry vs the entry JSON',
      measured: `${c.d1BytesPerEntry} B vs ${c.entryJsonBytes.mean} B (${c.d1BytesVsJson}×)`,
      target: '≤ 1×',
      met: c.d1BytesVsJson <= 1,
    },
    {
      what: `A's search, phrase only in B's ${n} entries vs nowhere (same shard)`,
      measured: `${c.searchPhraseInBVsNowhere}× (p95 ${c.searchWithB.phraseInB} vs ${c.searchWithB.phraseNowhere} ms)`,
      target: '≤ 1.2×',
      met: c.searchPhraseInBVsNowhere <= 1.2,
    },
    {
      what: `A's p95 with / without B's entries beside it (same shard), worst filter`,
      measured: `${worstRatio}× (${worstWithB})${aloneTwice ? `; A alone measured twice: ${aloneTwice[1]}× (${aloneTwice[0]})` : ''}`,
      target: '≤ 1.2×',
      met: worstRatio <= 1.2,
    },
    {
      what: `d1 query p95 at ${n} stored, every filter`,
      measured: `${d1Filters.map(([name, p95]) => `${name} ${p95}`).join(', ')} ms (GET /v1/health ${c.healthP95} ms in the same minutes)`,
      target: '< 50 ms, flat',
      // A p95 over 50 ms is a miss at any size; under it, only 1,000,000 stored counts as met.
      met: slowestP95 >= 50 ? false : c.entries >= 1_000_000 ? true : null,
    },
  ];
}

function table(r: Record<string, any>): string {
  const lines: string[] = [];
  const ip = r.inprocess;
  if (ip?.cases) {
    lines.push(
      `In-process (Node ${r.inprocess.machine?.node}, ${ip.rounds} interleaved rounds, ${ip.d1})`,
      '',
      '| contender | CPU µs/request | × bare POST | × bare GET |',
      '|---|---|---|---|',
    );
    for (const c of Object.values<any>(ip.cases))
      lines.push(
        c.error
          ? `| ${c.label} | error: ${c.error.slice(0, 120)} | | |`
          : `| ${c.label} | ${fmtSpread(c.usPerRequest, 0)} | ${fmtSpread(c.vsBarePost, 3)} | ${fmtSpread(c.vsBareGet, 3)} |`,
      );
    lines.push('');
  }
  const wd = r.workerd;
  if (wd?.cases) {
    lines.push(
      `workerd (Miniflare, built bundles, direct sockets; autocannon ${wd.connections} connections, ${wd.rounds} rounds × ${wd.seconds} s)`,
      '',
      '| contender | req/s | CPU µs/request | × bare POST | × chanfana | p50 ms | non-2xx |',
      '|---|---|---|---|---|---|---|',
    );
    for (const c of Object.values<any>(wd.cases))
      lines.push(
        `| ${c.label} | ${fmtSpread(c.reqPerSec, 0)} | ${fmtSpread(c.cpuUsPerRequest, 0)} | ${fmtSpread(c.vsBarePost, 2)} | ${fmtSpread(c.vsChanfana, 2)} | ${round(c.p50ms.median, 1)} | ${c.non2xx + c.errors} |`,
      );
    lines.push('');
  }
  if (r.size?.bare) {
    lines.push(
      'Bundles (esbuild, minified; gzip -9) and Node import of the bundle',
      '',
      '| bundle | min KiB | gzip KiB | × chanfana | import ms | × chanfana |',
      '|---|---|---|---|---|---|',
    );
    for (const [name, s] of Object.entries<any>(r.size))
      if (s?.gzipKiB)
        lines.push(
          `| ${name} | ${s.minifiedKiB} | ${s.gzipKiB} | ${s.gzipVsChanfana} | ${fmtSpread(s.importMs, 0)} | ${fmtSpread(s.importVsChanfana, 2)} |`,
        );
    lines.push('');
  }
  if (r.query?.points) {
    lines.push(
      `Query growth: GET /v1/logs pages of 100 (API key; production config), ${r.query.samples} sequential requests per filter and point`,
      '',
      '| stored | filter | d1 p50 / p95 ms | kv p50 / p95 ms |',
      '|---|---|---|---|',
    );
    for (const p of r.query.points) {
      for (const [name, d1] of Object.entries<any>(p.d1))
        lines.push(
          `| ${p.stored.toLocaleString('en')} | ${name} | ${d1.p50} / ${d1.p95} | ${p.kv[name] ? `${p.kv[name].p50} / ${p.kv[name].p95}` : '—'} |`,
        );
      lines.push(
        `| ${p.stored.toLocaleString('en')} | (GET /v1/health) | ${p.health.p50} / ${p.health.p95} | seeded in ${p.seedSeconds} s |`,
      );
    }
    if (r.query.note) lines.push('', r.query.note);
    lines.push('');
  }
  const pr = r.proposals;
  if (pr?.inprocess?.cases) {
    lines.push(
      `Proposed src/ change (bench/proposals/*.patch on a temp copy; same process/session as its baselines)`,
      '',
      '| path | in-process µs | × bare POST |',
      '|---|---|---|',
    );
    for (const name of [
      'bare-post',
      'chanfana',
      'loglane',
      'proposed',
      'loglane-prod',
      'proposed-prod',
      'loglane-novalidate',
      'proposed-novalidate',
      'ingest-1',
      'proposed-ingest-1',
    ]) {
      const c = pr.inprocess.cases[name];
      if (c?.usPerRequest) lines.push(`| ${c.label} | ${fmtSpread(c.usPerRequest, 0)} | ${fmtSpread(c.vsBarePost, 3)} |`);
    }
    lines.push(
      '',
      `validation overhead (with / without): current ${fmtSpread(pr.inprocess.validationOverhead, 3)}, proposed ${fmtSpread(pr.inprocess.proposedValidationOverhead, 3)}`,
      '',
    );
    if (pr.workerd?.cases) {
      lines.push('| path | workerd req/s | × chanfana | × bare POST |', '|---|---|---|---|');
      for (const c of Object.values<any>(pr.workerd.cases))
        lines.push(`| ${c.label} | ${fmtSpread(c.reqPerSec, 0)} | ${fmtSpread(c.vsChanfana, 2)} | ${fmtSpread(c.vsBarePost, 2)} |`);
      lines.push('');
    }
    if (pr.query?.points) {
      lines.push('| stored (same data, interleaved) | filter | current d1 p50 / p95 ms | PROPOSED d1 p50 / p95 |', '|---|---|---|---|');
      for (const p of pr.query.points)
        for (const [name, d1] of Object.entries<any>(p.d1))
          lines.push(
            `| ${p.stored.toLocaleString('en')} | ${name} | ${d1.p50} / ${d1.p95} | ${p.compare?.d1[name]?.p50} / ${p.compare?.d1[name]?.p95} |`,
          );
      lines.push('');
    }
    lines.push(
      `bundle gzip KiB: proposed ${pr.bundleGzipKiB?.proposed}, current ${pr.bundleGzipKiB?.loglane}, chanfana ${pr.bundleGzipKiB?.chanfana}`,
      '',
    );
  }
  const rows = r.summary?.targets ?? [];
  lines.push('Targets', '', '| target | measured | goal | met |', '|---|---|---|---|');
  for (const row of rows)
    lines.push(`| ${row.what} | ${row.measured} | ${row.target} | ${row.met === null ? '—' : row.met ? 'yes' : 'NO'} |`);
  return lines.join('\n');
}

await main();
