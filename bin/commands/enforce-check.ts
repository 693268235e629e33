import { readFile } from 'node:fs/promises';
import { validateBucketName } from '../../lib/core/bucket-name';
import { enforceHttpsPolicy, parsePolicyDocument } from '../../lib/report/bucket-policy';
import { assessEnforceCheck } from '../../lib/report/enforcement';
import { latestHourWithData, loadReadinessInputs } from '../../lib/report/queries';
import { DEFAULT_MAX_GAP_HOURS, readinessWindow } from '../../lib/report/readiness';
import {
  type Command,
  parseDays,
  parseMinTls,
  parseSourceOption,
  parseWholeNumber,
  UsageError,
  withStore,
} from '../options';
import { print, printJson, usageError } from '../render/output';
import { readinessText } from '../render/tables';

/**
 * `enforce-check --bucket B`: the verdict for one bucket (enforced, ready or not ready) and, when
 * ready, the policy to apply. Exit code 0 when enforced or ready and 1 when not ready, so that a
 * script can gate `put-bucket-policy` on it. `--policy-file` gives the bucket's policy, which is
 * then checked for a SecureTransport deny and set against the logs.
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
  const policyFile = values['policy-file'];
  const knownPolicy = policyFile ? parsePolicyDocument(await readPolicyText(policyFile), policyFile) : undefined;
  return withStore(values, async (session) => {
    const inputs = await loadReadinessInputs(session.store, bucket, window, parseSourceOption(values.source));
    const lastHourOutsideWindow =
      inputs.report.total === 0 ? await latestHourWithData(session.store, bucket) : undefined;
    const result = assessEnforceCheck({
      bucket,
      window,
      ...inputs,
      thresholds: { maxGapHours },
      minTlsVersion,
      lastHourOutsideWindow,
      policy: knownPolicy,
    });
    const policy = result.verdict === 'ready' ? enforceHttpsPolicy(bucket, { minTlsVersion }) : undefined;
    if (values.json) {
      printJson({
        bucket,
        source: inputs.report.source,
        verdict: result.verdict,
        reasons: result.reasons,
        ...(policy ? { policy } : {}),
        enforcement: result.enforcement,
        ...(result.policyCheck ? { policyCheck: result.policyCheck } : {}),
        warnings: result.warnings,
        window: result.window,
        thresholds: result.thresholds,
        evidence: result.evidence,
      });
    } else {
      print(readinessText(result, policy, inputs.report));
      // CloudTrail is the default evidence; say so only when the verdict rests on access logs.
      if (inputs.report.source === 'access-log') print('(judged from S3 server access logs)');
    }
    return result.verdict === 'not-ready' ? 1 : 0;
  });
};

async function readPolicyText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--policy-file ${JSON.stringify(file)} cannot be read: ${(error as Error).message}`);
  }
}
