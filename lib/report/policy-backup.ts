import { ConfigurationError } from '../core/errors';

/**
 * The file `cleartrail enforce --apply` writes before it replaces a bucket policy, and
 * `--rollback FILE` reads. It holds the policy as S3 returned it (null when the bucket had none)
 * and the policy cleartrail put, so that a rollback can tell whether someone changed the policy
 * since, and would not silently undo that change. Pure.
 */

export const POLICY_BACKUP_FORMAT = 'cleartrail-bucket-policy-backup/1';

export interface PolicyBackup {
  format: typeof POLICY_BACKUP_FORMAT;
  bucket: string;
  savedAt: string;
  /** The policy text before, exactly as read; null when the bucket had no policy. */
  previous: string | null;
  /** The policy text cleartrail put in its place; null when it removed the policy (a rollback to none). */
  applied: string | null;
}

export function policyBackup(
  bucket: string,
  previous: string | undefined,
  applied: string | null,
  now: Date,
): PolicyBackup {
  return { format: POLICY_BACKUP_FORMAT, bucket, savedAt: now.toISOString(), previous: previous ?? null, applied };
}

/**
 * The name of a backup file for `bucket` written at `now`: sorts by time, says which bucket, and
 * has the milliseconds, since an apply and a rollback may follow each other within a second.
 *
 * @example backupFileName('acme-data', new Date('2026-12-04T13:21:34.120Z')) // => 'acme-data.policy-backup.20261204T132134.120Z.json'
 */
export function backupFileName(bucket: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '');
  return `${bucket}.policy-backup.${stamp}.json`;
}

/**
 * The backup in `text` (the content of `file`), checked to be one of cleartrail's and of `bucket`.
 *
 * @throws ConfigurationError naming the file and what is wrong with it.
 */
export function readPolicyBackup(text: string, file: string, bucket: string): PolicyBackup {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${file}: not a policy backup of cleartrail (not JSON: ${(error as Error).message})`);
  }
  const backup = parsed as Partial<PolicyBackup> | null;
  if (typeof backup !== 'object' || backup === null || backup.format !== POLICY_BACKUP_FORMAT) {
    throw new ConfigurationError(`${file}: not a policy backup of cleartrail (no "format": "${POLICY_BACKUP_FORMAT}")`);
  }
  const textOrNull = (value: unknown) => typeof value === 'string' || value === null;
  if (!textOrNull(backup.applied) || !textOrNull(backup.previous)) {
    throw new ConfigurationError(`${file}: a policy backup without its "previous" and "applied" policies`);
  }
  if (backup.bucket !== bucket) {
    throw new ConfigurationError(
      `${file}: the backup is of bucket ${JSON.stringify(backup.bucket)}, not ${JSON.stringify(bucket)}`,
    );
  }
  return backup as PolicyBackup;
}

/**
 * Whether two policy texts say the same: equal as JSON, whatever the whitespace and key order,
 * since S3 may give a policy back formatted differently from how it was put. Undefined is no policy.
 */
export function samePolicy(a: string | undefined | null, b: string | undefined | null): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  try {
    return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
  } catch {
    return a === b;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
