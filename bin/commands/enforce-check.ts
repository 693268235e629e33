import { validateBucketName } from '../../lib/core/bucket-name';
import { enforceHttpsPolicy } from '../../lib/report/bucket-policy';
import { type Command, withStore } from '../options';
import { judgeReadiness, readinessRequest } from '../readiness';
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
  const request = readinessRequest(values, new Date());
  const { minTlsVersion } = request;
  return withStore(values, async (session) => {
    const { result, source, coverage: bucketCoverage } = await judgeReadiness(session, bucket, request);
    const policy = result.verdict === 'ready' ? enforceHttpsPolicy(bucket, { minTlsVersion }) : undefined;
    if (values.json) {
      printJson({
        bucket,
        source,
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
      if (source === 'access-log') print('(judged from S3 server access logs)');
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
