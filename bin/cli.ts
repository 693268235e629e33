import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../lib/errors';
import { bundledIpRanges } from '../lib/ip-ranges';
import { openLogObject } from '../lib/log-object';
import { parseNamedNetworks } from '../lib/networks';
import { fixedIpRanges } from '../lib/ranges-source';
import { type CountingContext, type CountResult, countLog, type LogSource } from '../lib/pipeline';
import { loadBucketReports, loadClients } from '../lib/queries';
import { compareByRisk } from '../lib/report';
import { OWN_USER_AGENT } from '../lib/request';
import type { AggregateStore } from '../lib/store';
import { parseTimeWindow } from '../lib/time-window';
import { version } from '../package.json';
import { bucketTable, clientTable, csv, findingLines } from './format';
import { findLogFiles, localLogSource } from './local-files';
import { openStore, type StoreSession } from './session';

const USAGE = `cleartrail ${version}: which clients still talk to your S3 buckets over plain HTTP

Usage:
  cleartrail analyze   [--json] [--networks NAME=CIDR,...] [store options] PATH...
  cleartrail report    [--json | --csv] [--bucket B] [--since T] [--until T] [store options]
  cleartrail clients   --bucket B [--since T] [--until T] [--json] [store options]
  cleartrail failures  [--json] [store options]
  cleartrail reprocess [--all-failed] [--networks ...] [store options] [LOG...]

Store options:
  --data-dir DIR        embedded DynamoDB Local's data (default ./.cleartrail)
  --table NAME          a deployed cleartrail table instead (default AWS credential chain)
  --region R            its region

T is an ISO time (2026-11-20, 2026-11-20T13:00Z) or a span back from now (36h, 7d, 2w).
PATH is a .json or .json.gz CloudTrail file, or a directory searched recursively.
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
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Runs one command; resolves to the process exit code (0 ok, 1 some input failed, 2 usage or setup error). */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) return print(version), 0;
  if (values.help || !command) return print(USAGE), command || values.help ? 0 : 2;
  if (values.region && !values.table) return usageError('--region goes with --table');

  try {
    switch (command) {
      case 'analyze':
        return await analyze(values, rest);
      case 'report':
        return await withStore(values, (session) => report(session.store, values));
      case 'clients':
        return await withStore(values, (session) => clients(session.store, values));
      case 'failures':
        return await withStore(values, (session) => failures(session.store, values));
      case 'reprocess':
        return await reprocess(values, rest);
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
    for (const file of files) {
      const result = await countWithReport(context, await localLogSource(file));
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
        ['bucket', 'http', 'https', 'service', 'unknown', 'http_share', 'http_external', 'http_ec2', 'http_vpc_endpoint', 'http_private', 'http_aws', 'last_http'],
        [...reports].sort(compareByRisk).map((b) => [
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
  const rows = await loadClients(store, { bucket: values.bucket, window });
  if (values.json) printJson({ bucket: values.bucket, window, clients: rows });
  else print(clientTable(rows));
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
    for (const target of targets) {
      const failure = known.get(target);
      let source: LogSource;
      const s3Match = /^s3:\/\/([^/]+)\/(.+)$/.exec(target);
      if (s3Match?.[1] && s3Match[2]) {
        s3 ??= new S3Client({ ...(values.region ? { region: values.region } : {}), customUserAgent: `${OWN_USER_AGENT}/${version}` });
        const ref = { bucket: s3Match[1], key: s3Match[2] };
        const client = s3;
        source = { id: failure?.logId ?? target, location: target, open: () => openLogObject(client, ref) };
      } else {
        source = await localLogSource(target);
        if (failure) source = { ...source, id: failure.logId };
      }
      const result = await countWithReport(context, source);
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
  const session = await openStore({ table: values.table, region: values.region, dataDir: values['data-dir'] ?? '.cleartrail' });
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
