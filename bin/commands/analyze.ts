import { bundledIpRanges } from '../../lib/ip-ranges';
import type { CountingContext } from '../../lib/pipeline';
import { loadBucketReports } from '../../lib/queries';
import { fixedIpRanges } from '../../lib/ranges-source';
import { compareByRisk } from '../../lib/report';
import { MAX_LOGS_PER_BATCH } from '../../lib/store';
import { analyzeFiles, progressPrinter } from '../analysis';
import { reportRunResult, rerunAdvice, storeGone, storeGoneIn } from '../count-files';
import { bucketTable, findingLines } from '../format';
import { findLogFiles, localLogSource } from '../local-files';
import { type Command, parseNetworksOption, parseWholeNumber, withStore } from '../options';
import { note, print, printJson, usageError } from '../output';

/**
 * `analyze PATH...`: counts local CloudTrail files into the store, read on worker threads and
 * committed in batches (bin/analysis.ts), then prints what the store
 * holds, exactly as `report` would: analyze and report agree, and a second analyze of the
 * same files prints the same numbers again. Exit code 1 when a file could not be counted.
 */
export const analyze: Command = async (values, paths) => {
  if (paths.length === 0) return usageError('analyze needs at least one file or directory');
  const networks = parseNetworksOption(values);
  const { files, missing } = await findLogFiles(paths);
  for (const path of missing) note(`${path}: no such file or directory`);
  if (files.length === 0) {
    note('no .json or .json.gz log files found');
    return missing.length > 0 ? 1 : 0;
  }
  const batchFiles = parseWholeNumber('--batch-files', values['batch-files'], MAX_LOGS_PER_BATCH, 1);
  if (batchFiles > MAX_LOGS_PER_BATCH) return usageError(`--batch-files is at most ${MAX_LOGS_PER_BATCH}`);
  const workers = values.workers === undefined ? undefined : parseWholeNumber('--workers', values.workers, 1, 1);
  return withStore(values, async (session) => {
    const context: CountingContext = { store: session.store, ranges: fixedIpRanges(bundledIpRanges()), networks };
    const sources = await Promise.all(files.map((file) => localLogSource(file)));
    const analysis = await analyzeFiles(context, sources, {
      networks,
      workers,
      limits: { logs: batchFiles },
      progress: values.json ? undefined : progressPrinter(process.stderr),
    });
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
