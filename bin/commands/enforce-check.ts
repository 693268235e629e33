import { validateBucketName } from '../../lib/core/bucket-name';
import { enforceHttpsPolicy } from '../../lib/report/bucket-policy';
import { latestHourWithData, loadReadinessInputs } from '../../lib/report/queries';
import { assessReadiness, DEFAULT_MAX_GAP_HOURS, readinessWindow } from '../../lib/report/readiness';
import { type Command, parseDays, parseMinTls, parseSourceOption, parseWholeNumber, withStore } from '../options';
import { print, printJson, usageError } from '../render/output';
import { readinessText } from '../render/tables';

/**
 * `enforce-check --bucket B`: the readiness verdict for one bucket and, when ready, the policy
 * to apply. Exit code 0 when ready and 1 when not, so that a script can gate
 * `put-bucket-policy` on it.
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
    const inputs = await loadReadinessInputs(session.store, bucket, window, parseSourceOption(values.source));
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
        source: inputs.report.source,
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
      // CloudTrail is the default evidence; say so only when the verdict rests on access logs.
      if (inputs.report.source === 'access-log') print('(judged from S3 server access logs)');
    }
    return result.verdict === 'ready' ? 0 : 1;
  });
};
