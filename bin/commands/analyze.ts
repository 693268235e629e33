import type { LogObjectRef } from '../../lib/core/log-object-ref';
import type { TimeWindow } from '../../lib/core/time-window';
import { parseTimeWindow } from '../../lib/core/time-window';
import type { CountingContext } from '../../lib/count/pipeline';
import { fixedIpRanges } from '../../lib/count/ranges-provider';
import type { LogInput } from '../../lib/formats/format';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import type { NamedNetwork } from '../../lib/net/named-networks';
import { loadBucketListing, loadBucketReports } from '../../lib/report/queries';
import { listAccessLogObjects, listCloudTrailObjects, s3LogInput } from '../../lib/s3/log-objects';
import { isS3Url, parseS3Prefix } from '../../lib/s3/s3-url';
import { MAX_LOGS_PER_BATCH } from '../../lib/store';
import { type Command, parseNetworksOption, parseWholeNumber, s3ClientFor, type Values, withStore } from '../options';
import { note, print, printJson, usageError } from '../render/output';
import { bucketListingText } from '../render/tables';
import { type Analysis, analyzeFiles, analyzeObjects, progressPrinter } from '../run/analysis';
import { type FileResult, reportRunResult, rerunAdvice, storeGone, storeGoneIn } from '../run/count-files';
import { findLogFiles, localLogInput } from '../run/local-files';
import type { StoreSession } from '../session';

/**
 * `analyze PATH...`: counts CloudTrail files and S3 server access logs into the store, then prints what the store holds,
 * exactly as `report` would: analyze and report agree, and a second analyze of the same files
 * prints the same numbers again. Local files are read on worker threads; `s3://bucket/prefix`
 * locations are listed for the files delivered in --since/--until and streamed from S3. Either way
 * they are committed in batches (bin/run/analysis.ts). Exit code 1 when a file could not be counted.
 *
 * Three steps: resolve the sources (before any store opens, so a typo costs nothing), count them,
 * print the outcome and the store's report.
 */
export const analyze: Command = async (values, paths) => {
  const settings = analyzeSettings(values, paths);
  if (typeof settings === 'number') return settings;
  const resolved = await resolveSources(values, paths);
  if ('exitCode' in resolved) return resolved.exitCode;
  return withStore(values, async (session) => {
    const analysis = await countSources(session, resolved, settings, Boolean(values.json));
    const gone = storeGoneIn(analysis.results);
    if (gone) {
      const notCounted = analysis.results.filter((result) => result.status === 'not-counted');
      return storeGone(
        gone,
        notCounted.map((result) => result.log.location),
      );
    }
    return printAnalysis(session, analysis, resolved.missing, Boolean(values.json));
  });
};

interface AnalyzeSettings {
  networks: NamedNetwork[];
  workers?: number;
  batchFiles: number;
}

/** What the logs resolved to: local files or S3 objects, and the paths that were not there. */
interface ResolvedSources {
  sources: LogInput[];
  inS3: boolean;
  missing: string[];
}

/** Option checks; a number is the usage exit code. */
function analyzeSettings(values: Values, paths: readonly string[]): AnalyzeSettings | number {
  if (paths.length === 0) return usageError('analyze needs at least one file, directory or s3:// location');
  const networks = parseNetworksOption(values);
  const batchFiles = parseWholeNumber('--batch-files', values['batch-files'], MAX_LOGS_PER_BATCH, 1);
  if (batchFiles > MAX_LOGS_PER_BATCH) return usageError(`--batch-files is at most ${MAX_LOGS_PER_BATCH}`);
  const workers = values.workers === undefined ? undefined : parseWholeNumber('--workers', values.workers, 1, 1);
  const inS3 = paths.filter(isS3Url);
  if (inS3.length > 0 && inS3.length < paths.length) {
    return usageError('analyze reads either local paths or s3:// locations, not both at once');
  }
  return { networks, workers, batchFiles };
}

/** Lists the S3 locations or walks the local paths; `exitCode` when there is nothing to count. */
async function resolveSources(
  values: Values,
  paths: readonly string[],
): Promise<ResolvedSources | { exitCode: number }> {
  const inS3 = paths.filter(isS3Url);
  if (inS3.length > 0) {
    const locations = inS3.map(parseS3Prefix);
    const s3 = await s3ClientFor(values);
    const window = parseTimeWindow(values.since, values.until, new Date());
    const refs: LogObjectRef[] = [];
    for (const location of locations) {
      // A prefix may hold both: CloudTrail below AWSLogs/, access logs right below it or in account folders.
      for await (const ref of listCloudTrailObjects(s3, location, window)) refs.push(ref);
      for await (const ref of listAccessLogObjects(s3, location, window)) refs.push(ref);
    }
    if (refs.length === 0) {
      note(`no CloudTrail or S3 access-log files found under ${inS3.join(', ')}${windowText(window)}`);
      return { exitCode: 0 };
    }
    return { sources: refs.map((ref) => s3LogInput(s3, ref)), inS3: true, missing: [] };
  }
  const found = await findLogFiles(paths);
  for (const path of found.missing) note(`${path}: no such file or directory`);
  if (found.files.length === 0) {
    note('no log files found (.json, .json.gz, or S3 access-log objects named <prefix>YYYY-mm-DD-HH-MM-SS-<unique>)');
    return { exitCode: found.missing.length > 0 ? 1 : 0 };
  }
  return {
    sources: await Promise.all(found.files.map((file) => localLogInput(file))),
    inS3: false,
    missing: found.missing,
  };
}

/** Counts the sources into the session's store, in batches. */
async function countSources(
  session: StoreSession,
  resolved: ResolvedSources,
  settings: AnalyzeSettings,
  json: boolean,
): Promise<Analysis> {
  const context: CountingContext = {
    store: session.store,
    ranges: fixedIpRanges(bundledIpRanges()),
    networks: settings.networks,
  };
  const options = {
    networks: settings.networks,
    workers: settings.workers,
    limits: { logs: settings.batchFiles },
    progress: json ? undefined : progressPrinter(process.stderr),
  };
  return resolved.inS3
    ? analyzeObjects(context, resolved.sources, options)
    : analyzeFiles(context, resolved.sources, options);
}

/** The summary line on stderr, then the store's report (table or JSON); resolves to the exit code. */
async function printAnalysis(
  session: StoreSession,
  analysis: Analysis,
  missing: readonly string[],
  json: boolean,
): Promise<number> {
  const results = analysis.results.map(reportRunResult);
  const problems = missing.length + results.filter((r) => r.status === 'failed' || r.status === 'error').length;
  note(summaryLine(results, problems, session, analysis.writeUnits));
  const advice = rerunAdvice(analysis.results);
  if (advice) note(advice);
  const listing = await loadBucketListing(session.store, await loadBucketReports(session.store, { window: {} }), {});
  if (json) {
    printJson({
      files: results.map((r) => ({
        file: r.location,
        status: r.status,
        ...(r.status === 'failed' ? { error: r.message, code: r.code } : {}),
        ...(r.status === 'counted' ? { requests: r.requests } : {}),
      })),
      buckets: listing,
    });
  } else {
    print(bucketListingText(listing));
  }
  return problems > 0 ? 1 : 0;
}

function summaryLine(
  results: readonly FileResult[],
  problems: number,
  session: StoreSession,
  writeUnits: number,
): string {
  const counted = results.filter((r) => r.status === 'counted' || r.status === 'completed').length;
  const already = results.filter((r) => r.status === 'already-counted').length;
  // Write units are what a deployed table bills; the embedded store bills nothing.
  const billed = session.billsWrites ? `${writeUnits.toLocaleString('en-US')} write units; ` : '';
  return `${counted} files counted, ${already} already counted, ${problems} failed; ${billed}aggregates in ${session.description}`;
}

function windowText(window: TimeWindow): string {
  if (window.fromHour === undefined && window.toHour === undefined) return '';
  return ` delivered from ${window.fromHour ?? 'the start'} to ${window.toHour ?? 'now'}`;
}
