import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { validateBucketName } from '../../lib/core/bucket-name';
import { escapeUntrusted, SHOWN_WIDTH, untrustedText } from '../../lib/core/untrusted-text';
import { readBucketFacts } from '../../lib/deploy/facts';
import { type BucketFacts, type DeployPlan, deployCommand, isUnread, planDeployment } from '../../lib/deploy/plan';
import { createS3Client } from '../../lib/s3/aws-clients';
import type { Command, Values } from '../options';
import { print, printJson, usageError } from '../render/output';

/**
 * `doctor --bucket B [--trail NAME]`: reads the trail bucket (and the trail) with the user's
 * credentials and prints the `sls deploy` command that fits, and each problem with its fix.
 * Exit code 0 when deployable, 1 when not, so a script can gate the deploy on it.
 */
export const doctor: Command = async (values) => {
  const bucket = values.bucket;
  if (!bucket) return usageError('doctor needs --bucket');
  validateBucketName(bucket);
  const facts = await readBucketFacts(
    bucket,
    {
      // Any region answers GetBucketLocation for its partition's buckets: us-east-1 unless --region says.
      s3For: (region) => createS3Client({ ...clientOptions(values), region: region ?? values.region ?? 'us-east-1' }),
      cloudTrailFor: (region) =>
        new CloudTrailClient({
          ...(values.profile ? { profile: values.profile } : {}),
          ...(region || values.region ? { region: region ?? values.region } : {}),
          // An unreachable or refusing API is a fact to report, not something to wait out.
          maxAttempts: 2,
        }),
    },
    values.trail,
  );
  const plan = planDeployment(facts);
  if (values.json) printJson({ facts, ...plan, command: deployCommand(plan) });
  else print(doctorText(facts, plan));
  return plan.deployable ? 0 : 1;
};

function clientOptions(values: Values) {
  return {
    ...(values.profile ? { profile: values.profile } : {}),
    forcePathStyle: process.env.CLEARTRAIL_S3_FORCE_PATH_STYLE === 'true',
  };
}

/**
 * Bucket and trail text is the account's, not ours: shown by the rule of lib/core/untrusted-text.ts,
 * facts cut to the terminal width; the command and the problems whole (their values are bounded:
 * names, ARNs, and error messages cut where they are read).
 */
const shown = (value: string) => untrustedText(value, SHOWN_WIDTH.terminal);
const fact = (value: unknown, describe: (v: never) => string) =>
  isUnread(value) ? `unknown (${shown(value.unread)})` : describe(value as never);

export function doctorText(facts: BucketFacts, plan: DeployPlan): string {
  const lines = [
    `bucket        ${shown(facts.bucket)}`,
    `region        ${fact(facts.region, (region: string) => shown(region))}`,
    `versioning    ${fact(facts.versioning, (status: string) => status)}`,
    `encryption    ${fact(facts.encryption, (e: BucketFacts['encryption']) =>
      e === 'none' || isUnread(e) ? 'none' : shown(e.kmsKeyId ? `${e.algorithm} (key ${e.kmsKeyId})` : e.algorithm),
    )}`,
    `notifications ${fact(
      facts.notifications,
      (n: { entries: unknown[]; eventBridge: boolean }) =>
        `${n.entries.length} entr${n.entries.length === 1 ? 'y' : 'ies'}, EventBridge ${n.eventBridge ? 'on' : 'off'}`,
    )}`,
    `listing       ${fact(
      facts.listing,
      (l: { prefix: string; keys: string[] }) => `${l.keys.length} object(s) under ${shown(l.prefix || '/')}`,
    )}`,
    `organisations ${plan.organizations.map(shown).join(', ') || 'none found'}`,
    `accounts      ${plan.accounts.map(shown).join(', ') || 'none found'}`,
    `trail         ${
      plan.trail
        ? shown(`${plan.trail.name}${plan.trail.snsTopicArn ? ` (SNS topic ${plan.trail.snsTopicArn})` : ''}`)
        : fact(facts.trails, () => 'none chosen')
    }`,
    '',
    plan.deployable ? 'Deploy with:' : 'Not deployable yet; once fixed, deploy with:',
    // Whole, never cut: it is there to be copied.
    `  ${escapeUntrusted(deployCommand(plan))}`,
  ];
  if (plan.problems.length > 0) {
    lines.push('', 'Problems:');
    for (const { severity, problem, fix } of plan.problems)
      lines.push(`  ${severity}: ${escapeUntrusted(problem)}; fix: ${escapeUntrusted(fix)}`);
  }
  return lines.join('\n');
}
