import { readFileSync, writeFileSync } from 'node:fs';
import { validateBucketName } from '../../lib/core/bucket-name';
import { escapeUntrusted, SHOWN_WIDTH, untrustedText } from '../../lib/core/untrusted-text';
import type { EnforceCheckResult } from '../../lib/report/enforcement';
import { backupFileName, policyBackup, readPolicyBackup, samePolicy } from '../../lib/report/policy-backup';
import { policyDiff } from '../../lib/report/policy-diff';
import { mergeEnforcement, type PolicyMerge } from '../../lib/report/policy-merge';
import { describeReason } from '../../lib/report/readiness';
import { deleteBucketPolicy, readBucketPolicy, writeBucketPolicy } from '../../lib/s3/bucket-policy';
import { type Command, s3ClientFor, UsageError, type Values, withStore } from '../options';
import { judgeReadiness, readinessRequest } from '../readiness';
import { note, print, printJson, usageError } from '../render/output';

/**
 * The verdicts under which `--apply` goes ahead without `--force`: `ready`, and `enforced` (a
 * bucket whose HTTP is already refused; the verdict of a later `enforce-check`).
 */
const APPLICABLE_VERDICTS: readonly string[] = ['ready', 'enforced'];

/**
 * `enforce --bucket B`: merges the SecureTransport deny (lib/report/policy-merge.ts) into the
 * bucket's policy and shows the diff; `--apply` puts it, `--rollback FILE` puts the saved one
 * back. Exit code 0 done (or nothing to do), 1 refused, 2 usage or setup error.
 */
export const enforce: Command = async (values) => {
  const bucket = values.bucket;
  if (!bucket) return usageError('enforce needs --bucket');
  validateBucketName(bucket);
  const force = forceReason(values.force);
  if (values.apply && values.rollback !== undefined) return usageError('choose one of --apply and --rollback');
  if (values['policy-file'] !== undefined && (values.apply || values.rollback !== undefined)) {
    return usageError('--policy-file is offline: --apply and --rollback write to the bucket itself');
  }
  if (values.rollback !== undefined) return rollback(values, bucket, values.rollback, force);
  const request = readinessRequest(values, new Date());
  const policyFile = values['policy-file'];
  const client = policyFile === undefined ? await s3ClientFor(values) : undefined;
  const current = client ? await readBucketPolicy(client, bucket) : readPolicyFile(policyFile as string);
  const merge = mergeEnforcement({ bucket, current, minTlsVersion: request.minTlsVersion });
  if (merge.outcome === 'refused') {
    if (values.json) printJson({ bucket, changed: false, refused: { code: merge.code, reason: merge.reason } });
    note(`${bucket}: cannot merge the deny into the policy safely (${merge.code}): ${merge.reason}`);
    return 1;
  }
  const summary = {
    bucket,
    changed: merge.changed,
    policy: merge.policy,
    added: merge.added,
    notes: merge.notes,
  };
  if (!values.apply || !merge.changed || !client) {
    if (values.json) printJson({ ...summary, applied: false });
    else print(mergeText(bucket, current, merge, 'dry-run'));
    return 0;
  }

  const { result } = await withStore(values, async (session) => judgeReadiness(session, bucket, request));
  if (!APPLICABLE_VERDICTS.includes(result.verdict)) {
    if (force === undefined) {
      if (values.json) printJson({ ...summary, applied: false, verdict: result.verdict, reasons: result.reasons });
      else print(mergeText(bucket, current, merge, 'dry-run'));
      note(notReadyText(result));
      return 1;
    }
    note(`--force: applying although enforce-check says ${result.verdict}, because: ${forceText(force)}`);
  }
  const reread = await readBucketPolicy(client, bucket);
  if (reread !== current) {
    note(
      `${bucket}: the bucket policy changed since it was read; nothing was written. Run enforce again to review the new one`,
    );
    return 1;
  }
  const backup = saveBackup(bucket, current, merge.text);
  note(
    `saved the previous policy of ${bucket} to ${backup} (cleartrail enforce --bucket ${bucket} --rollback ${backup} restores it)`,
  );
  await writeBucketPolicy(client, bucket, merge.text);
  const verified = mergeEnforcement({
    bucket,
    current: await readBucketPolicy(client, bucket),
    minTlsVersion: request.minTlsVersion,
  });
  const holds = verified.outcome === 'merged' && !verified.changed;
  if (values.json) {
    printJson({
      ...summary,
      applied: true,
      backup,
      verified: holds,
      ...(force !== undefined ? { forced: force } : {}),
    });
  } else {
    print(mergeText(bucket, current, merge, 'applied'));
  }
  if (!holds) {
    note(
      `${bucket}: the policy read back after the write does not deny plain HTTP; check it, or roll back with --rollback ${backup}`,
    );
    return 1;
  }
  return 0;
};

/** `--rollback FILE`: the policy saved before `--apply`, back in place (or no policy, if there was none). */
async function rollback(values: Values, bucket: string, file: string, force: string | undefined): Promise<number> {
  const saved = readPolicyBackup(readTextFile(file, 'policy backup'), file, bucket);
  const client = await s3ClientFor(values);
  const current = await readBucketPolicy(client, bucket);
  if (!samePolicy(current, saved.applied)) {
    if (force === undefined) {
      note(
        `${bucket}: the policy changed since cleartrail applied ${file}; rolling back would undo that change too. Nothing was written (--force REASON rolls back anyway)`,
      );
      return 1;
    }
    note(`--force: rolling back although the policy changed since it was applied, because: ${forceText(force)}`);
  }
  const backup = saveBackup(bucket, current, saved.previous);
  note(`saved the policy being replaced to ${backup}`);
  if (saved.previous === null) await deleteBucketPolicy(client, bucket);
  else await writeBucketPolicy(client, bucket, saved.previous);
  const restored = samePolicy(await readBucketPolicy(client, bucket), saved.previous);
  if (values.json) {
    printJson({
      bucket,
      rolledBack: true,
      restored,
      policy: saved.previous === null ? null : JSON.parse(saved.previous),
      backup,
    });
  } else {
    print(
      saved.previous === null
        ? `${bucket}: removed the bucket policy; it had none before ${file}`
        : `${bucket}: restored the policy saved in ${file}`,
    );
  }
  return restored ? 0 : 1;
}

function forceReason(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError('--force needs a reason: --force "why it is fine"');
  return value;
}

function forceText(reason: string): string {
  return untrustedText(reason, SHOWN_WIDTH.terminal);
}

function readTextFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}

/** The policy in `--policy-file`; an empty file is no policy, as when S3 says NoSuchBucketPolicy. */
function readPolicyFile(file: string): string | undefined {
  const text = readTextFile(file, 'policy file');
  return text.trim() === '' ? undefined : text;
}

/** Writes the backup beside the user, never over an existing file; returns its name. */
function saveBackup(bucket: string, previous: string | undefined, applied: string | null): string {
  const now = new Date();
  const file = backupFileName(bucket, now);
  writeFileSync(file, `${JSON.stringify(policyBackup(bucket, previous, applied, now), null, 2)}\n`, { flag: 'wx' });
  return file;
}

function mergeText(
  bucket: string,
  current: string | undefined,
  merge: Extract<PolicyMerge, { outcome: 'merged' }>,
  stage: 'dry-run' | 'applied',
): string {
  const shown = escapeUntrusted(bucket);
  const notes = merge.notes.map((text) => `note: ${text}`);
  if (!merge.changed)
    return [`${shown}: the policy already denies plain HTTP as asked: nothing to change`, ...notes].join('\n');
  const what = `${merge.added.join(' and ')} ${current === undefined ? '(the bucket had no policy)' : 'added to the policy'}`;
  const head =
    stage === 'applied'
      ? `${shown}: applied: ${what}`
      : `${shown}: ${what}; dry run, nothing written (--apply writes it)`;
  // The policy is the user's text, or anyone's who could edit it: shown by the rule, not cut.
  return [head, ...notes, '', ...policyDiff(current, merge.text).map(escapeUntrusted)].join('\n');
}

function notReadyText(result: EnforceCheckResult): string {
  const reasons = result.reasons.map((reason) => `\n- ${reason.code}: ${describeReason(reason)}`).join('');
  return `${escapeUntrusted(result.bucket)}: not applied: enforce-check says ${result.verdict}${reasons}\n(enforce-check --bucket ${escapeUntrusted(result.bucket)} shows the clients; --force REASON applies anyway)`;
}
