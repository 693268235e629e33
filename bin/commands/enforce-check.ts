import { readFile } from 'node:fs/promises';
import { validateBucketName } from '../../lib/core/bucket-name';
import { enforceHttpsPolicy, parsePolicyDocument } from '../../lib/report/bucket-policy';
import { type Command, UsageError, withStore } from '../options';
import { judgeReadiness, readinessRequest } from '../readiness';
import { print, printJson, usageError } from '../render/output';
import { readinessText } from '../render/tables';

/**
 * `enforce-check --bucket B`: the verdict for one bucket (enforced, ready, not ready or cannot
 * tell) and, when ready, the policy to apply. Exit code 0 when enforced or ready and 1 when not
 * ready or when it cannot tell, so that a script can gate `put-bucket-policy` on it. `--policy-file` gives the bucket's policy, which is
 * then checked for a SecureTransport deny and set against the logs.
 */
export const enforceCheck: Command = async (values) => {
  const bucket = values.bucket;
  if (!bucket) return usageError('enforce-check needs --bucket');
  // Options are checked before the store opens: a typo costs no DynamoDB Local start.
  validateBucketName(bucket);
  const request = readinessRequest(values, new Date());
  const { minTlsVersion } = request;
  const policyFile = values['policy-file'];
  const knownPolicy = policyFile ? parsePolicyDocument(await readPolicyText(policyFile), policyFile) : undefined;
  return withStore(values, async (session) => {
    const {
      result,
      source,
      coverage: bucketCoverage,
      report,
    } = await judgeReadiness(session, bucket, request, knownPolicy);
    const policy = result.verdict === 'ready' ? enforceHttpsPolicy(bucket, { minTlsVersion }) : undefined;
    if (values.json) {
      printJson({
        bucket,
        source,
        verdict: result.verdict,
        reasons: result.reasons,
        ...(policy ? { policy } : {}),
        enforcement: result.enforcement,
        ...(result.policyCheck ? { policyCheck: result.policyCheck } : {}),
        warnings: result.warnings,
        window: result.window,
        thresholds: result.thresholds,
        evidence: result.evidence,
        ...(bucketCoverage ? { coverage: bucketCoverage } : {}),
      });
    } else {
      print(readinessText(result, policy, report));
      // CloudTrail is the default evidence; say so only when the verdict rests on access logs.
      if (source === 'access-log') print('(judged from S3 server access logs)');
      if (bucketCoverage && bucketCoverage.trails.length > 0) {
        const c = bucketCoverage;
        print(
          `(logging as read ${c.readAt?.replace(/\.\d{3}Z$/, 'Z')}: reads ${c.reads}, writes ${c.writes}; cleartrail coverage --bucket ${bucket} for the details)`,
        );
      }
    }
    return result.verdict === 'ready' || result.verdict === 'enforced' ? 0 : 1;
  });
};

async function readPolicyText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--policy-file ${JSON.stringify(file)} cannot be read: ${(error as Error).message}`);
  }
}
