import { bundledIpRanges } from '../../lib/ip-ranges';
import type { CountingContext } from '../../lib/pipeline';
import { loadBucketReports } from '../../lib/queries';
import { fixedIpRanges } from '../../lib/ranges-source';
import { compareByRisk } from '../../lib/report';
import { countWithReport, type FileResult } from '../count-files';
import { bucketTable, findingLines } from '../format';
import { findLogFiles, localLogSource } from '../local-files';
import { type Command, parseNetworksOption, withStore } from '../options';
import { note, print, printJson, usageError } from '../output';

/**
 * `analyze PATH...`: counts local CloudTrail files into the store, then prints what the store
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
    note(
      `${counted} files counted, ${already} already counted, ${problems} failed; aggregates in ${session.description}`,
    );
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
