import type { LogObjectRef } from '../core/log-object-ref';
import { isAccessLogName } from '../formats/access-log';

/** Where this deployment's logs land: the trail bucket, and the access-log target when configured. */
export interface LogLocations {
  logBucket: string;
  logPrefix: string;
  accessLogs?: { bucket: string; prefix: string };
}

/**
 * Which format a queued object is read as, from the deployment's configuration and the key's
 * shape, or why it is skipped. An access-log object must sit under the configured access-log
 * prefix and carry S3's access-log name; everything else must be a CloudTrail log file of the
 * trail bucket. The two may share a bucket.
 */
export function routeLogObject(
  ref: Pick<LogObjectRef, 'bucket' | 'key'>,
  locations: LogLocations,
): { format: 'cloudtrail' | 'access-log' } | { skip: string } {
  const access = locations.accessLogs;
  if (access && ref.bucket === access.bucket && ref.key.startsWith(access.prefix)) {
    if (isAccessLogName(ref.key.slice(ref.key.lastIndexOf('/') + 1))) return { format: 'access-log' };
    if (ref.bucket !== locations.logBucket) return { skip: 'not named like an S3 access-log object' };
  }
  if (ref.bucket !== locations.logBucket) {
    const buckets = access ? `${locations.logBucket} or ${access.bucket}` : locations.logBucket;
    return { skip: `not the configured log bucket ${JSON.stringify(buckets)}` };
  }
  const reason = skipReason(ref.key, locations.logPrefix);
  return reason === undefined ? { format: 'cloudtrail' } : { skip: reason };
}

/** Why a key is not a CloudTrail log file that cleartrail counts, or undefined when it is one. */
export function skipReason(key: string, logPrefix: string): string | undefined {
  if (!key.startsWith(logPrefix)) return `outside the log prefix ${JSON.stringify(logPrefix)}`;
  if (key.includes('/CloudTrail-Digest/')) return 'a CloudTrail digest file (no records)';
  if (key.includes('/CloudTrail-Insight/')) return 'a CloudTrail Insights file (not API calls)';
  if (!key.includes('/CloudTrail/')) return 'not under a CloudTrail/ folder';
  if (!/\.json(\.gz)?$/.test(key)) return 'not a .json or .json.gz file';
  return undefined;
}
