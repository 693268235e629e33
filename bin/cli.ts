import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { NO_BUCKET } from '../lib/bucket';
import { enforceHttpsPolicy, MIN_TLS_VERSIONS, type MinTlsVersion, validateBucketName } from '../lib/bucket-policy';
import { type ClientReport, summarizeClients } from '../lib/clients';
import { ConfigurationError, StoreUnavailableError } from '../lib/errors';
import { bundledIpRanges } from '../lib/ip-ranges';
import { parseNamedNetworks } from '../lib/networks';
import { type CountingContext, countLog, type LogSource, s3LogSource } from '../lib/pipeline';
import { loadBucketReports, loadClients } from '../lib/queries';
import { fixedIpRanges } from '../lib/ranges-source';
import { assessReadiness, DEFAULT_MAX_GAP_HOURS } from '../lib/readiness';
import { type BucketReport, compareByRisk, sortKeyRange, summarizeBucket, type TimeWindow } from '../lib/report';
import { OWN_USER_AGENT } from '../lib/request';
import { CLIENT_PREFIX, counter, HOUR_PREFIX } from '../lib/schema';
import type { AggregateStore, PlainItem } from '../lib/store';
import { parseTimeBound, parseTimeWindow } from '../lib/time-window';
import { VERDICTS } from '../lib/verdict';
import { version } from '../package.json';
import { storeCommand } from './commands/store';
import { bucketTable, clientFindingLines, clientTable, csv, findingLines, hygieneTable, readinessText } from './format';
import { type HtmlBucket, renderHtmlReport } from './html-report';
import { findLogFiles, localLogSource } from './local-files';
import { openStore, type StoreSession } from './session';

const USAGE = `cleartrail ${version}: which clients still talk to your S3 buckets over plain HTTP

Usage:
  cleartrail analyze   [--json] [--networks NAME=CIDR,...] [store options] PATH...
  cleartrail report    [--json | --csv] [--bucket B] [--since T] [--until T] [--html FILE] [store options]
  cleartrail clients   --bucket B [--since T] [--until T] [--hygiene] [--json] [store options]
  cleartrail enforce-check --bucket B [--days 30 | --since T] [--until T] [--min-tls 1.2]
                       [--max-gap-hours 24] [--json] [store options]
  cleartrail failures  [--json] [store options]
  cleartrail reprocess [--all-failed] [--networks ...] [store options] [LOG...]
  cleartrail store     status | stop [--json] [--data-dir DIR]

Store options:
  --data-dir DIR        embedded DynamoDB Local's data (default ./.cleartrail); needs Java 17+.
                        One server per DIR, shared by all commands, stops after 10 min unused
                        (CLEARTRAIL_STORE_IDLE=90s, 1h, ...); see "cleartrail store status".
  --table NAME          a deployed cleartrail table instead (default AWS credential chain)
  --region R            its region

T is an ISO time (2026-11-20, 2026-11-20T13:00Z) or a span back from now (36h, 7d, 2w).
PATH is a .json or .json.gz CloudTrail file, or a directory searched recursively.
report --html FILE also writes a self-contained HTML page (charts, verdicts, clients).
clients --hygiene also lists HTTPS clients with TLS-hygiene findings (TLS < 1.2, SigV2).
enforce-check: can a bucket policy deny plain HTTP (and, with --min-tls, old TLS) without
  breaking a client seen in the window (default: the last 30 days up to now)? Prints the
  verdict, its reasons and, when ready, the policy. Exit code 0 ready, 1 not ready, 2 error.
analyze, reprocess: exit code 3 when the store stopped answering; the files not counted are
  named, and rerunning the same command finishes the job.
Results go to stdout, progress and errors to stderr.`;

const OPTIONS = {
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  'data-dir': { type: 'string', default: '.cleartrail' },
  table: { type: 'string' },
  region: { type: 'string' },
  bucket: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  networks: { type: 'string' },
  'all-failed': { type: 'boolean' },
  hygiene: { type: 'boolean' },
  days: { type: 'string' },
  'min-tls': { type: 'string' },
  'max-gap-hours': { type: 'string' },
  html: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/**
 * Runs one command; resolves to the process exit code (0 ok, 1 some input failed, 2 usage or
 * setup error, 3 the store stopped answering mid-run).
 */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    print(version);
    return 0;
  }
  if (values.help || !command) {
    print(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.region && !values.table) return usageError('--region goes with --table');

  try {
    // Bad option values are usage errors, found before an embedded DynamoDB Local is started.
    parseTimeWindow(values.since, values.until, new Date());
    switch (command) {
      case 'analyze':
        return await analyze(values, rest);
      case 'report':
        return await withStore(values, (session) =>
          values.html ? htmlReport(session.store, values) : report(session.store, values),
        );
      case 'clients':
        return await withStore(values, (session) => clients(session.store, values));
      case 'failures':
        return await withStore(values, (session) => failures(session.store, values));
      case 'reprocess':
        return await reprocess(values, rest);
      case 'enforce-check':
        return await enforceCheck(values);
      case 'store':
        return await storeCommand(rest, { dataDir: values['data-dir'] ?? '.cleartrail', json: values.json });
      default:
        return usageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof RangeError || error instanceof ConfigurationError) return usageError(error.message);
    process.stderr.write(`cleartrail: ${(error as Error).message}\n`);
    return 2;
  }
}

async function analyze(values: Values, paths: string[]): Promise<number> {
  if (paths.length === 0) return usageError('analyze needs at least one file or directory');
  const networks = parseNamedNetworks(values.networks ?? '', '--networks');
  const { files, missing } = await findLogFiles(paths);
  for (const path of missing) process.stderr.write(`cleartrail: ${path}: no such file or directory\n`);
  if (files.length === 0) {
    process.stderr.write('cleartrail: no .json or .json.gz log files found\n');
    return missing.length > 0 ? 1 : 0;
  }
  return withStore(values, async (session) => {
    const context: CountingContext = { store: session.store, ranges: fixedIpRanges(bundledIpRanges()), networks };
    const results: FileResult[] = [];
    let problems = missing.length;
    for (const [index, file] of files.entries()) {
      let result: FileResult;
      try {
        result = await countWithReport(context, await localLogSource(file));
      } catch (error) {
        if (error instanceof StoreUnavailableError) return storeGone(error, files.slice(index));
        throw error;
      }
      if (result.status !== 'counted' && result.status !== 'already-counted') problems++;
      results.push(result);
    }
    const counted = results.filter((r) => r.status === 'counted').length;
    const already = results.filter((r) => r.status === 'already-counted').length;
    process.stderr.write(
      `cleartrail: ${counted} files counted, ${already} already counted, ${problems} failed; aggregates in ${session.description}\n`,
    );
    // Prints what the store now holds, exactly as `report` would: analyze and report agree, and a
    // second analyze of the same files prints the same numbers again.
    const reports = await loadBucketReports(session.store, { window: {} });
    if (values.json) {
      printJson({
        files: results.map((r) => ({
          file: r.location,
          status: r.status,
          ...(r.status === 'failed' ? { error: r.message, code: r.code } : {}),
          ...(r.status === 'counted' ? { requests: r.requests } : {}),
        })),
        buckets: reports,
      });
    } else {
      print(bucketTable([...reports].sort(compareByRisk)));
      for (const line of findingLines(reports)) print(line);
    }
    return problems > 0 ? 1 : 0;
  });
}

type FileResult =
  | { status: 'counted'; location: string; requests: number }
  | { status: 'already-counted'; location: string }
  | { status: 'failed' | 'error'; location: string; code: string; message: string };

async function countWithReport(context: CountingContext, source: LogSource): Promise<FileResult> {
  try {
    const result = await countLog(context, source);
    if (result.status === 'failed') {
      process.stderr.write(`cleartrail: ${result.error.message} [${result.error.code}]; nothing from it was counted\n`);
      return { status: 'failed', location: source.location, code: result.error.code, message: result.error.message };
    }
    if (result.status === 'already-counted') return { status: 'already-counted', location: source.location };
    return { status: 'counted', location: source.location, requests: result.summary.requests };
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    const message = `${source.location}: ${(error as Error).message}`;
    process.stderr.write(`cleartrail: ${message}\n`);
    return { status: 'error', location: source.location, code: (error as Error).name, message };
  }
}

async function report(store: AggregateStore, values: Values): Promise<number> {
  if (values.json && values.csv) return usageError('choose one of --json and --csv');
  const window = parseTimeWindow(values.since, values.until, new Date());
  const reports = await loadBucketReports(store, { bucket: values.bucket, window });
  if (values.json) {
    printJson({ window, buckets: reports });
  } else if (values.csv) {
    process.stdout.write(
      csv(
        [
          'bucket',
          'http',
          'https',
          'service',
          'unknown',
          'http_share',
          'http_external',
          'http_ec2',
          'http_vpc_endpoint',
          'http_private',
          'http_aws',
          'last_http',
        ],
        [...reports]
          .sort(compareByRisk)
          .map((b) => [
            b.bucket,
            b.http,
            b.https,
            b.service,
            b.unknown,
            b.httpShare.toFixed(6),
            b.httpSources.external,
            b.httpSources.ec2,
            b.httpSources['vpc-endpoint'],
            b.httpSources.private,
            b.httpSources.aws,
            b.lastHttpSeen ?? '',
          ]),
      ),
    );
  } else {
    print(bucketTable([...reports].sort(compareByRisk)));
    for (const line of findingLines(reports)) print(line);
  }
  return 0;
}

async function clients(store: AggregateStore, values: Values): Promise<number> {
  if (!values.bucket) return usageError('clients needs --bucket');
  const window = parseTimeWindow(values.since, values.until, new Date());
  const rows = await loadClients(store, { bucket: values.bucket, window, includeHygiene: values.hygiene });
  if (values.json) printJson({ bucket: values.bucket, window, clients: rows });
  else printClients(rows, Boolean(values.hygiene));
  return 0;
}

async function failures(store: AggregateStore, values: Values): Promise<number> {
  const rows = await store.listFailures();
  if (values.json) printJson({ failures: rows });
  else if (rows.length === 0) print('No failed log files.');
  else for (const row of rows) print(`${row.failedAt}  ${row.location}  [${row.code}] ${row.message}`);
  return 0;
}

/**
 * Counts failed log files again once they are fixed: S3 locations (`s3://bucket/key`, read with
 * the default credential chain) and local files alike. A success clears the failure record.
 */
async function reprocess(values: Values, logs: string[]): Promise<number> {
  if (logs.length === 0 && !values['all-failed']) return usageError('reprocess needs LOG... or --all-failed');
  const networks = parseNamedNetworks(values.networks ?? '', '--networks');
  return withStore(values, async (session) => {
    const known = new Map((await session.store.listFailures()).map((f) => [f.location, f]));
    const targets = values['all-failed'] ? [...known.keys()] : logs;
    const context: CountingContext = { store: session.store, ranges: fixedIpRanges(bundledIpRanges()), networks };
    let s3: S3Client | undefined;
    let problems = 0;
    for (const [index, target] of targets.entries()) {
      const failure = known.get(target);
      let source: LogSource;
      const s3Match = /^s3:\/\/([^/]+)\/(.+)$/.exec(target);
      if (s3Match?.[1] && s3Match[2]) {
        s3 ??= new S3Client({
          ...(values.region ? { region: values.region } : {}),
          customUserAgent: `${OWN_USER_AGENT}/${version}`,
        });
        source = s3LogSource(s3, { bucket: s3Match[1], key: s3Match[2] });
      } else {
        // A fixed file has new content, hence (unless it has a CloudTrail name) a new id: its
        // failure record is cleared under the old one below.
        source = await localLogSource(target);
      }
      let result: FileResult;
      try {
        result = await countWithReport(context, source);
      } catch (error) {
        if (error instanceof StoreUnavailableError) return storeGone(error, targets.slice(index));
        throw error;
      }
      if (result.status === 'counted' || result.status === 'already-counted') {
        if (failure) await session.store.clearFailure(failure.logId);
        process.stderr.write(`cleartrail: ${target}: ${result.status}\n`);
      } else {
        problems++;
      }
    }
    return problems > 0 ? 1 : 0;
  });
}

async function withStore(values: Values, run: (session: StoreSession) => Promise<number>): Promise<number> {
  const session = await openStore({
    table: values.table,
    region: values.region,
    dataDir: values['data-dir'] ?? '.cleartrail',
  });
  try {
    return await run(session);
  } finally {
    await session.close();
  }
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

function usageError(message: string): number {
  process.stderr.write(`cleartrail: ${message}\nRun "cleartrail --help" for usage.\n`);
  return 2;
}

// ----- the store gone in the middle of analyze or reprocess -----------------------------------

/**
 * Every further file would fail the same way, so the run stops at the first file the store
 * dropped. Nothing of that file is half counted: the ledger counts a file whole or not at all,
 * and a rerun skips the files already counted.
 */
function storeGone(error: StoreUnavailableError, notCounted: readonly string[]): number {
  const rerun = ['cleartrail', ...process.argv.slice(2)].join(' ');
  process.stderr.write(
    [
      `cleartrail: ${error.message}; stopped.`,
      `cleartrail: ${notCounted.length} ${notCounted.length === 1 ? 'file was' : 'files were'} not counted:`,
      ...notCounted.map((file) => `  ${file}`),
      `cleartrail: rerunning the same command finishes the job: ${rerun}`,
      '',
    ].join('\n'),
  );
  return 3;
}

// ----- enforce-check, report --html, and the clients' TLS-hygiene findings -----------------------

/** `clients` as text: the HTTP clients and their findings; with --hygiene, HTTPS-only clients with findings too. */
function printClients(rows: readonly ClientReport[], withHygiene: boolean): void {
  const http = rows.filter((c) => c.count > 0);
  print(clientTable(http));
  const findings = clientFindingLines(http);
  if (findings.length > 0)
    print(['', 'TLS-hygiene findings of these clients:', ...findings.map((line) => `  ${line}`)].join('\n'));
  if (withHygiene)
    print(['', 'HTTPS clients with TLS-hygiene findings:', hygieneTable(rows.filter((c) => c.count === 0))].join('\n'));
}

/**
 * `enforce-check`: the readiness verdict for one bucket and, when ready, the policy to apply.
 * Exit code 0 when ready and 1 when not, so that a script can gate `put-bucket-policy` on it.
 */
async function enforceCheck(values: Values): Promise<number> {
  const bucket = values.bucket;
  if (!bucket) return usageError('enforce-check needs --bucket');
  // Options are checked before the store opens: a typo costs no DynamoDB Local start.
  validateBucketName(bucket);
  const minTlsVersion = parseMinTls(values['min-tls']);
  const maxGapHours = parseWholeNumber('--max-gap-hours', values['max-gap-hours'], DEFAULT_MAX_GAP_HOURS, 0);
  const window = readinessWindow(values, new Date());
  return withStore(values, async (session) => {
    const inputs = await loadReadinessInputs(session.store, bucket, window);
    const lastHourOutsideWindow =
      inputs.report.total === 0 ? await latestHourWithData(session.store, bucket) : undefined;
    const result = assessReadiness({
      bucket,
      window,
      ...inputs,
      thresholds: { maxGapHours },
      minTlsVersion,
      lastHourOutsideWindow,
    });
    const policy = result.verdict === 'ready' ? enforceHttpsPolicy(bucket, { minTlsVersion }) : undefined;
    if (values.json) {
      printJson({
        bucket,
        verdict: result.verdict,
        reasons: result.reasons,
        ...(policy ? { policy } : {}),
        warnings: result.warnings,
        window: result.window,
        thresholds: result.thresholds,
        evidence: result.evidence,
      });
    } else {
      print(readinessText(result, policy));
    }
    return result.verdict === 'ready' ? 0 : 1;
  });
}

/**
 * `report --html FILE`: writes the page, then prints what `report` prints. Readiness needs a
 * closed window: an open end of --since/--until closes at the earliest/latest hour of data of
 * the buckets shown, so that the page judges the data it draws (enforce-check, by contrast,
 * judges up to now).
 */
async function htmlReport(store: AggregateStore, values: Values): Promise<number> {
  const file = values.html as string;
  const window = parseTimeWindow(values.since, values.until, new Date());
  const names = values.bucket ? [values.bucket] : (await store.listBuckets()).filter((name) => name !== NO_BUCKET);
  const loaded: Array<{ bucket: string } & ReadinessInputs> = [];
  for (const bucket of names) {
    const inputs = await loadReadinessInputs(store, bucket, window);
    if (inputs.report.total > 0 || values.bucket) loaded.push({ bucket, ...inputs });
  }
  const firstHours = loaded.map((b) => b.report.firstHour).filter((h): h is string => h !== undefined);
  const lastHours = loaded.map((b) => b.report.lastHour).filter((h): h is string => h !== undefined);
  const nowHour = new Date().toISOString().slice(0, 13);
  const toHour = window.toHour ?? lastHours.sort().at(-1) ?? nowHour;
  const fromHour = window.fromHour ?? firstHours.sort()[0] ?? toHour;
  const buckets: HtmlBucket[] = loaded.map(({ bucket, ...inputs }) => ({
    report: inputs.report,
    clients: inputs.clients,
    readiness: assessReadiness({ bucket, window: { fromHour, toHour }, ...inputs }),
  }));
  await writeFile(file, renderHtmlReport({ generatedAt: new Date(), window: { fromHour, toHour }, buckets }));
  process.stderr.write(
    `cleartrail: wrote ${file} (${buckets.length} ${buckets.length === 1 ? 'bucket' : 'buckets'})\n`,
  );
  return report(store, values);
}

interface ReadinessInputs {
  report: BucketReport;
  clients: ClientReport[];
  hourItemsHours: string[];
}

/** One Query for the bucket's hours and one for its clients in the window. */
async function loadReadinessInputs(
  store: AggregateStore,
  bucket: string,
  window: TimeWindow,
): Promise<ReadinessInputs> {
  const [hours, clientItems] = await Promise.all([
    store.bucketItems(bucket, ...sortKeyRange(HOUR_PREFIX, window)),
    store.bucketItems(bucket, ...sortKeyRange(CLIENT_PREFIX, window)),
  ]);
  return {
    report: summarizeBucket(bucket, hours, clientItems),
    clients: summarizeClients(clientItems, { includeHygiene: true }),
    hourItemsHours: hoursWithRecords(hours),
  };
}

/** Only asked when the window is empty: one Query over all the bucket's hours, for a hint. */
async function latestHourWithData(store: AggregateStore, bucket: string): Promise<string | undefined> {
  return hoursWithRecords(await store.bucketItems(bucket, ...sortKeyRange(HOUR_PREFIX, {})))
    .sort()
    .at(-1);
}

function hoursWithRecords(hourItems: readonly PlainItem[]): string[] {
  return hourItems
    .filter((item) => VERDICTS.some((verdict) => Number(item[counter.verdict(verdict)] ?? 0) > 0))
    .map((item) => String(item.hour ?? String(item.sk).slice(HOUR_PREFIX.length)));
}

/** --since/--until, else the last --days (default 30) days up to the current hour. */
function readinessWindow(values: Values, now: Date): { fromHour: string; toHour: string } {
  if (values.days !== undefined && values.since !== undefined) throw new RangeError('choose one of --days and --since');
  const days = parseWholeNumber('--days', values.days, 30, 1);
  const given = parseTimeWindow(values.since, values.until, now);
  const toHour = given.toHour ?? parseTimeBound('--until', now.toISOString(), now);
  const fromHour =
    given.fromHour ?? new Date(Date.parse(`${toHour}:00:00Z`) - (days * 24 - 1) * 3_600_000).toISOString().slice(0, 13);
  if (fromHour > toHour) throw new RangeError(`--since ${values.since} is after the end of the window, ${toHour}`);
  return { fromHour, toHour };
}

function parseWholeNumber(option: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
    throw new RangeError(`${option} ${JSON.stringify(value)} is not a whole number${min > 0 ? ` >= ${min}` : ''}`);
  }
  return Number(value);
}

function parseMinTls(value: string | undefined): MinTlsVersion | undefined {
  if (value === undefined) return undefined;
  const version = value.replace(/^TLSv?/i, '');
  if (!(MIN_TLS_VERSIONS as readonly string[]).includes(version)) {
    throw new RangeError(`--min-tls ${JSON.stringify(value)} is not one of ${MIN_TLS_VERSIONS.join(', ')}`);
  }
  return version as MinTlsVersion;
}
