import { validateBucketName } from '../../lib/core/bucket-name';
import { enforceHttpsPolicy } from '../../lib/report/bucket-policy';
import type { BucketCoverage } from '../../lib/report/coverage';
import { latestHourWithData, loadCoverage, loadReadinessInputs } from '../../lib/report/queries';
import { assessReadiness, DEFAULT_MAX_GAP_HOURS, readinessWindow } from '../../lib/report/readiness';
import { type Command, parseDays, parseMinTls, parseSourceOption, parseWholeNumber, withStore } from '../options';
import { print, printJson, usageError } from '../render/output';
import { readinessText } from '../render/tables';

/**
 * `enforce-check --bucket B`: the readiness verdict for one bucket and, when ready, the policy
 * to apply. Exit code 0 when ready and 1 when not or when it cannot tell, so that a script can
 * gate `put-bucket-policy` on it.
 */
export const enforceCheck: Command = async (values) => {
  const bucket = values.bucket;
  if (!bucket) return usageError('enforce-check needs --bucket');
  // Options are checked before the store opens: a typo costs no DynamoDB Local start.
  validateBucketName(bucket);
  const minTlsVersion = parseMinTls(values['min-tls']);
  const maxGapHours = parseWholeNumber('--max-gap-hours', values['max-gap-hours'], DEFAULT_MAX_GAP_HOURS, 0);
  const window = readinessWindow(
    { since: values.since, until: values.until, days: parseDays(values.days) },
    new Date(),
  );
  return withStore(values, async (session) => {
    const source = parseSourceOption(values.source);
    const { coverage, trails } = await loadCoverage(session.store, [bucket]);
    const bucketCoverage = coverage.get(bucket);
    let inputs = await loadReadinessInputs(session.store, bucket, window, source);
    // CloudTrail figures blind to reads or writes, and access logs of the bucket in the window:
    // those record every request, so the verdict rests on them unless --source says otherwise.
    if (source === undefined && inputs.report.source === 'cloudtrail' && bucketCoverage && hasGap(bucketCoverage)) {
      const fromAccessLogs = await loadReadinessInputs(session.store, bucket, window, 'access-log');
      if (fromAccessLogs.report.total > 0) inputs = fromAccessLogs;
    }
    const lastHourOutsideWindow =
      inputs.report.total === 0 ? await latestHourWithData(session.store, bucket) : undefined;
    const result = assessReadiness({
      bucket,
      window,
      ...inputs,
      thresholds: { maxGapHours },
      minTlsVersion,
      lastHourOutsideWindow,
      ...(bucketCoverage ? { coverage: { bucket: bucketCoverage, trails } } : {}),
    });
    const policy = result.verdict === 'ready' ? enforceHttpsPolicy(bucket, { minTlsVersion }) : undefined;
    if (values.json) {
      printJson({
        bucket,
        source: inputs.report.source,
        verdict: result.verdict,
        reasons: result.reasons,
        ...(policy ? { policy } : {}),
        warnings: result.warnings,
        window: result.window,
        thresholds: result.thresholds,
        evidence: result.evidence,
        ...(bucketCoverage ? { coverage: bucketCoverage } : {}),
      });
    } else {
      print(readinessText(result, policy));
      // CloudTrail is the default evidence; say so only when the verdict rests on access logs.
      if (inputs.report.source === 'access-log') print('(judged from S3 server access logs)');
      if (bucketCoverage && bucketCoverage.trails.length > 0) {
        const c = bucketCoverage;
        print(
          `(logging as read ${c.readAt?.replace(/\.\d{3}Z$/, 'Z')}: reads ${c.reads}, writes ${c.writes}; cleartrail coverage --bucket ${bucket} for the details)`,
        );
      }
    }
    return result.verdict === 'ready' ? 0 : 1;
  });
};

/** Reads or writes that CloudTrail does not record in full. */
function hasGap(coverage: BucketCoverage): boolean {
  return [coverage.cloudTrail.reads, coverage.cloudTrail.writes].some(
    (state) => state === 'not-logged' || state === 'partial',
  );
}
