import type { S3Client } from '@aws-sdk/client-s3';
import { StoreUnavailableError } from '../../lib/core/errors';
import type { LogObjectRef } from '../../lib/core/log-object-ref';
import type { CountingContext } from '../../lib/count/pipeline';
import { fixedIpRanges } from '../../lib/count/ranges-provider';
import type { LogInput } from '../../lib/formats/format';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { createS3Client } from '../../lib/s3/aws-clients';
import { s3LogInput } from '../../lib/s3/log-objects';
import { isS3Url, parseS3Url } from '../../lib/s3/s3-url';
import { type Command, parseNetworksOption, withStore } from '../options';
import { note, usageError } from '../render/output';
import { countWithReport, type FileResult, storeGone } from '../run/count-files';
import { localLogInput } from '../run/local-files';

/**
 * `reprocess`: counts failed log files again once they are fixed: S3 locations
 * (`s3://bucket/key`, read with the default credential chain) and local files alike. A success
 * clears the failure record. Exit code 1 when a file still fails.
 */
export const reprocess: Command = async (values, logs) => {
  if (logs.length === 0 && !values['all-failed']) return usageError('reprocess needs LOG... or --all-failed');
  const networks = parseNetworksOption(values);
  // A malformed s3:// URL is a usage error, found before the store opens.
  for (const log of logs) if (isS3Url(log)) parseS3Url(log);
  return withStore(values, async (session) => {
    const known = new Map((await session.store.listFailures()).map((f) => [f.location, f]));
    const targets = values['all-failed'] ? [...known.keys()] : logs;
    const context: CountingContext = { store: session.store, ranges: fixedIpRanges(bundledIpRanges()), networks };
    let s3: S3Client | undefined;
    const s3Source = (ref: LogObjectRef): LogInput => {
      s3 ??= createS3Client({ region: values.region });
      return s3LogInput(s3, ref);
    };
    let problems = 0;
    for (const [index, target] of targets.entries()) {
      const failure = known.get(target);
      // A fixed local file has new content, hence (unless it has a CloudTrail name) a new id:
      // its failure record is cleared under the old one below.
      const source = isS3Url(target) ? s3Source(parseS3Url(target)) : await localLogInput(target);
      let result: FileResult;
      try {
        result = await countWithReport(context, source);
      } catch (error) {
        if (error instanceof StoreUnavailableError) return storeGone(error, targets.slice(index));
        throw error;
      }
      if (result.status === 'counted' || result.status === 'already-counted' || result.status === 'completed') {
        if (failure) await session.store.clearFailure(failure.logId);
        note(`${target}: ${result.status}`);
      } else {
        problems++;
      }
    }
    return problems > 0 ? 1 : 0;
  });
};
