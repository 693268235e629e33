/**
 * The "day of delivery" bench: a day of CloudTrail history is 288 small files, not one big one.
 * On a generated day (`day-corpus.ts`) it times, end to end and on the same files:
 *
 * - naive: the per-file gunzipSync + JSON.parse loop a user would write;
 * - DuckDB: `read_json` over the directory with `unnest(Records)`, 2 threads: a bare count, and
 *   the grouped query that answers cleartrail's question (the peer analyze is judged against);
 * - no-store: cleartrail's reader and fold over every file, without DynamoDB;
 * - cli: `cleartrail analyze <dir> --json` as a user runs it (the compiled CLI, its embedded store),
 *   once per entry of CLI_VARIANTS (extra arguments, e.g. per-file against batch commits).
 *
 * Each run is its own process; its peak RSS and CPU time come from a preload (`max-rss-preload.cjs`),
 * and for the CLI those of its java child (DynamoDB Local) from sampling /proc. CPU seconds say what
 * wall time alone hides on a small machine: how much work a variant does, whatever the cores. Counts are checked
 * against the corpus manifest: a variant that counts wrong fails the run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS, startS3rver } from '../../bin/local/s3rver';
import type { DayChildReport } from './day-child';
import { type DayCorpusOptions, type DayManifest, dayCorpus } from './day-corpus';
import { DUCKDB_INSTALL, type PeerCount } from './day-peers';

const REPO = resolve(__dirname, '../..');
const PRELOAD = join(__dirname, 'max-rss-preload.cjs');
const RSS_FILE_VARIABLE = 'CLEARTRAIL_BENCH_MAX_RSS_FILE';

/** `cleartrail analyze` with extra arguments; the lead compares per-file and batch commits. */
export interface CliVariant {
  id: string;
  name: string;
  args: readonly string[];
  /** Where the CLI reads the day: the corpus folder, or the same files uploaded to s3rver. */
  from?: 'disk' | 's3rver';
}

export const CLI_VARIANTS: readonly CliVariant[] = [
  { id: 'cli', name: 'cleartrail analyze (defaults)', args: [] },
  { id: 'cli-per-file', name: 'cleartrail analyze --batch-files 1', args: ['--batch-files', '1'] },
  { id: 'cli-s3', name: 'cleartrail analyze s3:// (the day on s3rver)', args: [], from: 's3rver' },
];

/** The in-process variants (`day-child.ts`), in table order. */
const PEER_VARIANTS: ReadonlyArray<readonly [id: string, name: string]> = [
  ['naive', 'naive: per file gunzipSync + JSON.parse + loop'],
  ['duckdb', 'DuckDB: read_json + unnest(Records), 2 threads'],
  ['duckdb-grouped', "DuckDB: cleartrail's question (grouped, eventIDs once per file), 2 threads"],
  ['no-store', 'cleartrail without the store: reader + fold'],
];

/** The CLI variant whose write units are compared with the per-file one's. */
const BATCH_VARIANT = 'cli';
const PER_FILE_VARIANT = 'cli-per-file';

export const DAY_TARGETS = {
  /** cleartrail end to end, in records/s, against the naive loop. */
  speedupVsNaive: 1.5,
  /** Per-file commits' write units over batch commits'. */
  writeUnitReduction: 10,
  cliNodePeakBytes: 512 * 1024 ** 2,
} as const;

export interface DayBenchOptions {
  corpus: DayCorpusOptions;
  /** Runs of each in-process variant (the best counts). */
  runs: number;
  /** Runs of each CLI variant. */
  cliRuns: number;
  /** Variant ids to run; all when undefined. */
  variants?: readonly string[];
}

/** One variant's result over all its runs. */
export interface DayRow {
  id: string;
  name: string;
  status: 'ok' | 'failed' | 'not-installed' | 'not-supported';
  /** Best wall time. */
  seconds?: number;
  /** Largest peak RSS of the node process over the runs. */
  nodePeakBytes?: number;
  /** Largest peak RSS of the java child (DynamoDB Local), CLI only. */
  javaPeakBytes?: number;
  /** CPU seconds (user + system) of the run with the best wall time: node, and the CLI's descendants. */
  cpuSeconds?: number;
  writeUnits?: number;
  note?: string;
}

/** Runs the day bench and prints its table; resolves to the exit code (1 when a variant failed). */
export async function runDayBench(
  options: DayBenchOptions,
  log: (line: string) => void = console.error,
): Promise<number> {
  const started = performance.now();
  const { dir, manifest, reused } = await dayCorpus(options.corpus, undefined, log);
  const corpusNote = reused
    ? `reused (generated in ${manifest.generationSeconds.toFixed(1)} s)`
    : `generated in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  const wanted = (id: string): boolean => !options.variants || options.variants.includes(id);
  // Other work on the machine moves the figures more than anything measured here: show it.
  const loadBefore = loadavg()[0] ?? Number.NaN;

  const peers = PEER_VARIANTS.filter(([id]) => wanted(id)).map(([id, name]): DayRow => ({ id, name, status: 'ok' }));
  const cliVariants = CLI_VARIANTS.filter((variant) => wanted(variant.id));
  const cliRows = cliVariants.map((variant): DayRow => ({ id: variant.id, name: variant.name, status: 'ok' }));
  // Runs alternate between variants, so that a burst of load from elsewhere on the machine hits
  // all of them rather than all the runs of one; a variant that failed or cannot run stops.
  for (let round = 0; round < options.runs; round++) {
    for (const row of peers) {
      if (row.status !== 'ok') continue;
      log(`day: (${row.id}) run ${round + 1}/${options.runs}`);
      mergeRun(row, await measureChild(row.id, dir, manifest));
    }
  }
  const s3 = cliVariants.some((variant) => variant.from === 's3rver') ? await dayOnS3rver(dir, log) : undefined;
  try {
    for (let round = 0; round < options.cliRuns; round++) {
      for (const [i, variant] of cliVariants.entries()) {
        const row = cliRows[i] as DayRow;
        if (row.status !== 'ok') continue;
        log(`day: (${variant.id}) run ${round + 1}/${options.cliRuns}`);
        const location = variant.from === 's3rver' && s3 ? s3.location : dir;
        mergeRun(row, await measureCli(variant, location, manifest, variant.from === 's3rver' ? s3?.env : undefined));
      }
    }
  } finally {
    await s3?.stop();
  }
  const rows = [...peers, ...cliRows];

  const cpu = cpus();
  const { totals } = manifest;
  console.log(
    `\ncleartrail day bench: Node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? '?'}); ` +
      `best of ${options.runs} (in-process variants) and ${options.cliRuns} (CLI) run(s), each in its own process; ` +
      `1-minute load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? Number.NaN).toFixed(2)} after`,
  );
  console.log(
    `corpus: ${manifest.files.length} files, ${count(totals.records)} records (${count(totals.s3DataEvents)} S3 data events), ` +
      `${mib(totals.jsonBytes)} MiB of JSON, ${mib(totals.fileBytes)} MiB gzipped, ${manifest.buckets.length} buckets, ` +
      `${manifest.clients.https} HTTPS and ${manifest.clients.http} HTTP clients; ${corpusNote}; in ${dir}`,
  );
  console.log('');
  console.log(formatDayTable(rows, totals.records));
  for (const row of rows) if (row.note) console.log(`  (${row.id}) ${row.note}`);
  console.log('');
  console.log('Targets of the day bench:');
  console.log(formatDayTargets(rows, totals.records));
  return rows.some((row) => row.status === 'failed') ? 1 : 0;
}

export type RunResult =
  | {
      status: 'ok';
      seconds: number;
      nodePeakBytes?: number;
      javaPeakBytes?: number;
      cpuSeconds?: number;
      writeUnits?: number;
      note: string;
    }
  | { status: 'failed' | 'not-installed' | 'not-supported'; note: string };

function mergeRun(row: DayRow, result: RunResult): void {
  if (result.status !== 'ok') {
    row.status = result.status;
    row.note = result.note;
    return;
  }
  if (row.seconds === undefined || result.seconds < row.seconds) row.cpuSeconds = result.cpuSeconds;
  row.seconds = Math.min(row.seconds ?? Number.POSITIVE_INFINITY, result.seconds);
  row.nodePeakBytes = maxOf(row.nodePeakBytes, result.nodePeakBytes);
  row.javaPeakBytes = maxOf(row.javaPeakBytes, result.javaPeakBytes);
  row.writeUnits = result.writeUnits ?? row.writeUnits;
  row.note = result.note;
}

/** An in-process variant in its own process (`day-child.ts` under tsx), checked against the manifest. */
export async function measureChild(id: string, dir: string, manifest: DayManifest): Promise<RunResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'cleartrail-day-run-'));
  try {
    const rssFile = join(scratch, 'max-rss');
    const { code, stdout, stderr } = await run(
      process.execPath,
      ['--require', PRELOAD, '--import', 'tsx', join(__dirname, 'day-child.ts'), id, dir],
      { [RSS_FILE_VARIABLE]: rssFile },
    );
    const line = stdout.trim().split('\n').pop() ?? '';
    if (code !== 0 || !line.startsWith('{')) return { status: 'failed', note: `exit ${code}: ${lastLines(stderr)}` };
    const report = JSON.parse(line) as DayChildReport;
    if (!report.ok) {
      return id.startsWith('duckdb')
        ? { status: 'not-installed', note: `DuckDB is not installed; to compare with it: ${DUCKDB_INSTALL}` }
        : { status: 'failed', note: report.reason };
    }
    const wrong = countMismatch(report.count, manifest);
    if (wrong) return { status: 'failed', note: wrong };
    const usage = readUsage(rssFile);
    return {
      status: 'ok',
      seconds: report.seconds,
      nodePeakBytes: usage?.peakBytes,
      cpuSeconds: usage?.cpuSeconds,
      note: report.count.detail,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function countMismatch(counted: PeerCount, manifest: DayManifest): string | undefined {
  const { totals } = manifest;
  const problems: string[] = [];
  if (counted.records !== totals.records) problems.push(`${counted.records} records, the corpus has ${totals.records}`);
  if (counted.s3Records !== totals.s3Records)
    problems.push(`${counted.s3Records} S3 records, the corpus has ${totals.s3Records}`);
  for (const verdict of ['http', 'service'] as const) {
    if (counted.requests && counted.requests[verdict] !== totals.requests[verdict])
      problems.push(`${counted.requests[verdict]} ${verdict} requests, the corpus has ${totals.requests[verdict]}`);
  }
  if (counted.s3WithoutTls !== undefined && counted.s3WithoutTls !== totals.s3WithoutTls)
    problems.push(`${counted.s3WithoutTls} S3 records without TLS evidence, the corpus has ${totals.s3WithoutTls}`);
  return problems.length > 0 ? `counted wrong: ${problems.join('; ')}` : undefined;
}

/**
 * `node bin/cleartrail.js analyze <dir> --data-dir <fresh> --json [args]`, timed from spawn to
 * exit. Its stdout (the JSON report) is checked against the manifest; write units come from
 * `<n> write units` on its stderr when the CLI prints it.
 */
export async function measureCli(
  variant: CliVariant,
  dir: string,
  manifest: DayManifest,
  env: Record<string, string> = {},
): Promise<RunResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'cleartrail-day-cli-'));
  try {
    const rssFile = join(scratch, 'max-rss');
    const args = [
      '--require',
      PRELOAD,
      join(REPO, 'bin/cleartrail.js'),
      'analyze',
      dir,
      '--data-dir',
      join(scratch, 'data'),
      '--json',
      ...variant.args,
    ];
    const started = performance.now();
    const { code, stdout, stderr, peaks } = await run(
      process.execPath,
      args,
      { ...env, [RSS_FILE_VARIABLE]: rssFile },
      true,
    );
    const seconds = (performance.now() - started) / 1000;
    if (code === 2 && /unknown option/i.test(stderr)) {
      const why = /.*unknown option.*/i.exec(stderr)?.[0] ?? lastLines(stderr, 1);
      return { status: 'not-supported', note: `the CLI rejects ${variant.args.join(' ')}: ${why.trim()}` };
    }
    if (code !== 0) return { status: 'failed', note: `exit code ${code}: ${lastLines(stderr)}` };
    const wrong = cliMismatch(stdout, manifest);
    if (wrong) return { status: 'failed', note: wrong };
    const units = /(\d[\d,]*) write units/.exec(stderr)?.[1];
    const usage = readUsage(rssFile);
    return {
      status: 'ok',
      seconds,
      nodePeakBytes: usage?.peakBytes,
      javaPeakBytes: peaks?.java,
      cpuSeconds:
        usage === undefined || peaks?.descendantCpuSeconds === undefined
          ? undefined
          : usage.cpuSeconds + peaks.descendantCpuSeconds,
      writeUnits: units === undefined ? undefined : Number(units.replace(/,/g, '')),
      note: lastLines(stderr, 1),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function cliMismatch(stdout: string, manifest: DayManifest): string | undefined {
  let report: { files: Array<{ status: string }>; buckets: Array<{ http: number; service: number }> };
  try {
    report = JSON.parse(stdout);
  } catch {
    return `stdout is not the JSON report: ${stdout.slice(0, 200)}`;
  }
  const counted = report.files.filter((file) => file.status === 'counted').length;
  const http = report.buckets.reduce((sum, bucket) => sum + bucket.http, 0);
  const service = report.buckets.reduce((sum, bucket) => sum + bucket.service, 0);
  const { requests } = manifest.totals;
  const problems: string[] = [];
  if (counted !== manifest.files.length) problems.push(`${counted} files counted of ${manifest.files.length}`);
  if (http !== requests.http) problems.push(`${http} HTTP requests, the corpus has ${requests.http}`);
  if (service !== requests.service) problems.push(`${service} service requests, the corpus has ${requests.service}`);
  return problems.length > 0 ? `counted wrong: ${problems.join('; ')}` : undefined;
}

/** The table: one row per variant, records/s against the naive loop. */
export function formatDayTable(rows: readonly DayRow[], records: number): string {
  const naive = rows.find((row) => row.id === 'naive' && row.status === 'ok')?.seconds;
  const header = [
    'variant',
    'seconds',
    'records/s',
    'x vs naive',
    'CPU s',
    'peak RSS node MiB',
    'java MiB',
    'write units',
  ];
  const lines = rows.map((row) => {
    const label = `(${row.id}) ${row.name}`;
    if (row.status !== 'ok' || row.seconds === undefined) {
      const word = { failed: 'FAILED', 'not-installed': 'not installed', 'not-supported': 'not supported', ok: '' }[
        row.status
      ];
      return [label, word, '', '', '', '', '', ''];
    }
    return [
      label,
      row.seconds.toFixed(2),
      count(Math.round(records / row.seconds)),
      naive === undefined ? 'n/a' : `${(naive / row.seconds).toFixed(2)}x`,
      row.cpuSeconds === undefined ? '?' : row.cpuSeconds.toFixed(2),
      row.nodePeakBytes === undefined ? '?' : mib(row.nodePeakBytes),
      row.javaPeakBytes === undefined ? '' : mib(row.javaPeakBytes),
      row.id.startsWith('cli') ? (row.writeUnits === undefined ? 'n/a' : count(row.writeUnits)) : '',
    ];
  });
  return align([header, ...lines]);
}

/** The target lines, each judged (or said to be not judged, and why). */
export function formatDayTargets(rows: readonly DayRow[], records: number): string {
  const byId = (id: string) => rows.find((row) => row.id === id && row.status === 'ok' && row.seconds !== undefined);
  const naive = byId('naive');
  const cli = byId(BATCH_VARIANT);
  const lines: string[] = [];
  const mark = (ok: boolean): string => (ok ? '✓' : '✗');

  if (naive?.seconds && cli?.seconds) {
    const ratio = naive.seconds / cli.seconds;
    lines.push(
      `cleartrail end to end (${cli.id}) >= ${DAY_TARGETS.speedupVsNaive}x naive records/s: ` +
        `${count(Math.round(records / cli.seconds))} vs ${count(Math.round(records / naive.seconds))} = ${ratio.toFixed(2)}x  ${mark(ratio >= DAY_TARGETS.speedupVsNaive)}`,
    );
  } else {
    lines.push(
      `cleartrail end to end >= ${DAY_TARGETS.speedupVsNaive}x naive records/s: not judged (naive or ${BATCH_VARIANT} did not run)`,
    );
  }
  const grouped = byId('duckdb-grouped');
  if (grouped?.seconds && cli?.seconds) {
    lines.push(
      `cleartrail end to end (${cli.id}) at least as fast as DuckDB's grouped query: ${cli.seconds.toFixed(2)} s vs ` +
        `${grouped.seconds.toFixed(2)} s (CPU ${cli.cpuSeconds?.toFixed(1) ?? '?'} vs ${grouped.cpuSeconds?.toFixed(1) ?? '?'} s)  ` +
        mark(cli.seconds <= grouped.seconds),
    );
  } else {
    lines.push(
      `cleartrail end to end at least as fast as DuckDB's grouped query: not judged (one of them did not run)`,
    );
  }
  if (naive?.seconds && naive.cpuSeconds && cli?.cpuSeconds) {
    // With every core busy all the time, wall time is CPU time over cores: the best any
    // scheduling of this work could do here.
    const cores = cpus().length;
    const floor = cli.cpuSeconds / cores;
    lines.push(
      `    CPU: ${cli.id} used ${cli.cpuSeconds.toFixed(1)} CPU s (all its threads), the naive loop ` +
        `${naive.cpuSeconds.toFixed(1)}; on ${cores} cores ${cli.id} cannot finish under ${floor.toFixed(1)} s, ` +
        `${(naive.seconds / floor).toFixed(2)}x naive at best`,
    );
  }

  const perFile = rows.find((row) => row.id === PER_FILE_VARIANT);
  if (cli?.writeUnits !== undefined && perFile?.status === 'ok' && perFile.writeUnits !== undefined) {
    const ratio = perFile.writeUnits / Math.max(1, cli.writeUnits);
    lines.push(
      `write units of batch commits >= ${DAY_TARGETS.writeUnitReduction}x fewer than per-file commits: ` +
        `${count(cli.writeUnits)} vs ${count(perFile.writeUnits)} = ${ratio.toFixed(1)}x fewer  ${mark(ratio >= DAY_TARGETS.writeUnitReduction)}`,
    );
  } else {
    const why =
      perFile?.status === 'not-supported'
        ? `the CLI does not take ${CLI_VARIANTS.find((v) => v.id === PER_FILE_VARIANT)?.args.join(' ')} yet`
        : 'the CLI does not print write units yet, or a CLI variant did not run';
    lines.push(
      `write units of batch commits >= ${DAY_TARGETS.writeUnitReduction}x fewer than per-file commits: not judged (${why})`,
    );
  }

  if (cli?.nodePeakBytes !== undefined) {
    const ok = cli.nodePeakBytes <= DAY_TARGETS.cliNodePeakBytes;
    lines.push(
      `CLI node process peak RSS <= ${mib(DAY_TARGETS.cliNodePeakBytes)} MiB: ${mib(cli.nodePeakBytes)} MiB  ${mark(ok)}`,
    );
  } else {
    lines.push(
      `CLI node process peak RSS <= ${mib(DAY_TARGETS.cliNodePeakBytes)} MiB: not judged (${BATCH_VARIANT} did not run)`,
    );
  }
  return lines.map((line) => `  ${line}`).join('\n');
}

/**
 * Runs a command to its end. With `watchTree`, samples the peak RSS (VmHWM) and the CPU time of
 * its descendants from /proc every 200 ms: the java child of the CLI has no preload, and outlives
 * the CLI (the shared store), so its last sample is its CPU time during the run, give or take
 * 200 ms. Linux only; elsewhere the peaks stay undefined.
 */
function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  watchTree = false,
): Promise<{
  code: number | null;
  stdout: string;
  stderr: string;
  peaks?: { java?: number; descendantCpuSeconds?: number };
}> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => stdout.push(data));
    child.stderr.on('data', (data: Buffer) => {
      stderr = (stderr + data.toString('utf8')).slice(-64 * 1024);
    });
    const peaks = new Map<number, { name: string; bytes: number; cpuSeconds: number }>();
    const timer =
      watchTree && child.pid !== undefined && existsSync('/proc/self/status')
        ? setInterval(() => sampleTree(child.pid as number, peaks), 200)
        : undefined;
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      let java: number | undefined;
      let descendantCpuSeconds = 0;
      for (const { name, bytes, cpuSeconds } of peaks.values()) {
        if (name === 'java') java = (java ?? 0) + bytes;
        descendantCpuSeconds += cpuSeconds;
      }
      resolvePromise({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr,
        peaks: timer ? { java, descendantCpuSeconds } : undefined,
      });
    });
  });
}

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every Linux that cleartrail runs on. */
const CLOCK_TICKS = 100;

/** Records the VmHWM and CPU time of every descendant of `root` (the root's own come from the preload). */
function sampleTree(root: number, peaks: Map<number, { name: string; bytes: number; cpuSeconds: number }>): void {
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      // utime and stime, fields 14 and 15 of stat, 11 and 12 after the command name.
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // The process ended between readdir and read.
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  };
  for (const pid of parents.keys()) {
    if (!isDescendant(pid)) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? '?';
      const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peaks.set(pid, {
        name,
        bytes: Math.max(peaks.get(pid)?.bytes ?? 0, kb * 1024),
        cpuSeconds: Math.max(peaks.get(pid)?.cpuSeconds ?? 0, cpu.get(pid) ?? 0),
      });
    } catch {
      // Gone already; its last sample stands.
    }
  }
}

/** What the preload wrote: `<peak RSS bytes> <CPU seconds>`. */
function readUsage(file: string): { peakBytes: number; cpuSeconds: number } | undefined {
  try {
    const [peakBytes, cpuSeconds] = readFileSync(file, 'utf8').split(' ').map(Number);
    return peakBytes !== undefined && cpuSeconds !== undefined && peakBytes > 0 && Number.isFinite(cpuSeconds)
      ? { peakBytes, cpuSeconds }
      : undefined;
  } catch {
    return undefined;
  }
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').filter(Boolean).slice(-n).join(' | ');
}

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/** A text table: the first column left-aligned, the others right-aligned. */
export function align(table: string[][]): string {
  const widths = table[0]?.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length))) ?? [];
  return table
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function mib(bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(0);
}

/**
 * The day's files uploaded to a fresh s3rver under their own keys (`AWSLogs/...`), for the CLI
 * to read them from S3 as a user reads a trail bucket. The upload is not timed.
 */
async function dayOnS3rver(
  dir: string,
  log: (line: string) => void,
): Promise<{ location: string; env: Record<string, string>; stop: () => Promise<void> }> {
  const server = await startS3rver();
  const client = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const bucket = 'cleartrail-bench-trail';
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const keys = listFiles(dir).filter((file) => file.endsWith('.json.gz'));
  log(`day: uploading ${keys.length} files to s3rver`);
  for (const file of keys) {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: relative(dir, file).split(sep).join('/'), Body: readFileSync(file) }),
    );
  }
  client.destroy();
  return {
    location: `s3://${bucket}/AWSLogs/`,
    env: {
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    },
    stop: () => server.stop(),
  };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
