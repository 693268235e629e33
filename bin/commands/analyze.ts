import type { LogObjectRef } from '../../lib/core/log-object-ref';
import type { TimeWindow } from '../../lib/core/time-window';
import { parseTimeWindow } from '../../lib/core/time-window';
import type { CountingContext } from '../../lib/count/pipeline';
import { fixedIpRanges } from '../../lib/count/ranges-provider';
import type { LogInput } from '../../lib/formats/format';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { compareByRisk } from '../../lib/report/bucket-report';
import { loadBucketReports } from '../../lib/report/queries';
import { listAccessLogObjects, listCloudTrailObjects, s3LogInput } from '../../lib/s3/log-objects';
import { isS3Url, parseS3Prefix } from '../../lib/s3/s3-url';
import { MAX_LOGS_PER_BATCH } from '../../lib/store';
import { type Command, parseNetworksOption, parseWholeNumber, s3ClientFor, withStore } from '../options';
import { note, print, printJson, usageError } from '../render/output';
import { bucketTable, findingLines } from '../render/tables';
import { analyzeFiles, analyzeObjects, progressPrinter } from '../run/analysis';
import { reportRunResult, rerunAdvice, storeGone, storeGoneIn } from '../run/count-files';
import { findLogFiles, localLogInput } from '../run/local-files';

/**
 * `analyze PATH...`: counts CloudTrail files and S3 server access logs into the store, then prints what the store holds,
 * exactly as `report` would: analyze and report agree, and a second analyze of the same files
 * prints the same numbers again. Local files are read on worker threads; `s3://bucket/prefix`
 * locations are listed for the files delivered in --since/--until and streamed from S3. Either way
 * they are committed in batches (bin/run/analysis.ts). Exit code 1 when a file could not be counted.
 */
export const analyze: Command = async (values, paths) => {
  if (paths.length === 0) return usageError('analyze needs at least one file, directory or s3:// location');
  const networks = parseNetworksOption(values);
  const batchFiles = parseWholeNumber('--batch-files', values['batch-files'], MAX_LOGS_PER_BATCH, 1);
  if (batchFiles > MAX_LOGS_PER_BATCH) return usageError(`--batch-files is at most ${MAX_LOGS_PER_BATCH}`);
  const workers = values.workers === undefined ? undefined : parseWholeNumber('--workers', values.workers, 1, 1);
  const inS3 = paths.filter(isS3Url);
  if (inS3.length > 0 && inS3.length < paths.length) {
    return usageError('analyze reads either local paths or s3:// locations, not both at once');
  }
  // Locations are checked before the store opens: a typo costs no DynamoDB Local start.
  const locations = inS3.map(parseS3Prefix);
  let missing: string[] = [];
  let sources: LogInput[];
  if (locations.length > 0) {
    const s3 = s3ClientFor(values);
    const window = parseTimeWindow(values.since, values.until, new Date());
    const refs: LogObjectRef[] = [];
    for (const location of locations) {
      // A prefix may hold both: CloudTrail below AWSLogs/, access logs right below it or in account folders.
      for await (const ref of listCloudTrailObjects(s3, location, window)) refs.push(ref);
      for await (const ref of listAccessLogObjects(s3, location, window)) refs.push(ref);
    }
    if (refs.length === 0) {
      note(`no CloudTrail or S3 access-log files found under ${inS3.join(', ')}${windowText(window)}`);
      return 0;
    }
    sources = refs.map((ref) => s3LogInput(s3, ref));
  } else {
    const found = await findLogFiles(paths);
    missing = found.missing;
    for (const path of missing) note(`${path}: no such file or directory`);
    if (found.files.length === 0) {
      note('no log files found (.json, .json.gz, or S3 access-log objects named <prefix>YYYY-mm-DD-HH-MM-SS-<unique>)');
      return missing.length > 0 ? 1 : 0;
    }
    sources = await Promise.all(found.files.map((file) => localLogInput(file)));
  }
  return withStore(values, async (session) => {
    const context: CountingContext = { store: session.store, ranges: fixedIpRanges(bundledIpRanges()), networks };
    const options = {
      networks,
      workers,
      limits: { logs: batchFiles },
      progress: values.json ? undefined : progressPrinter(process.stderr),
    };
    const analysis =
      locations.length > 0
        ? await analyzeObjects(context, sources, options)
        : await analyzeFiles(context, sources, options);
    const gone = storeGoneIn(analysis.results);
    if (gone) {
      const notCounted = analysis.results.filter((result) => result.status === 'not-counted');
      return storeGone(
        gone,
        notCounted.map((result) => result.log.location),
      );
    }
    const results = analysis.results.map(reportRunResult);
    const problems = missing.length + results.filter((r) => r.status === 'failed' || r.status === 'error').length;
    const counted = results.filter((r) => r.status === 'counted' || r.status === 'completed').length;
    const already = results.filter((r) => r.status === 'already-counted').length;
    note(
      `${counted} files counted, ${already} already counted, ${problems} failed; ` +
        `${analysis.writeUnits.toLocaleString('en-US')} write units; aggregates in ${session.description}`,
    );
    const advice = rerunAdvice(analysis.results);
    if (advice) note(advice);
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
};

function windowText(window: TimeWindow): string {
  if (window.fromHour === undefined && window.toHour === undefined) return '';
  return ` delivered from ${window.fromHour ?? 'the start'} to ${window.toHour ?? 'now'}`;
}
