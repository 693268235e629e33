import { writeFile } from 'node:fs/promises';
import { parseTimeWindow } from '../../lib/core/time-window';
import { listCloudTrailObjects } from '../../lib/s3/log-objects';
import { isS3Url, parseS3Prefix } from '../../lib/s3/s3-url';
import { type Command, s3ClientFor, UsageError } from '../options';
import { note, usageError } from '../render/output';

/**
 * `backfill-manifest s3://BUCKET/PREFIX --since T --until T [--output FILE]`: the CSV manifest of
 * an S3 Batch Operations job (`bucket,key`, keys URL-encoded as Batch Operations expects) that
 * invokes the deployed function on every CloudTrail file delivered in the window: the same
 * listing as `analyze s3://`. For histories larger than one machine: Lambda does the reading,
 * the ledger keeps it exactly once, files already counted cost one read each.
 */
export const backfillManifest: Command = async (values, operands) => {
  if (operands.length !== 1 || !isS3Url(operands[0] as string)) {
    return usageError('backfill-manifest needs one s3://bucket/prefix location');
  }
  if (values.since === undefined || values.until === undefined) {
    throw new UsageError('backfill-manifest needs --since and --until: a manifest names a closed window');
  }
  const location = parseS3Prefix(operands[0] as string);
  const window = parseTimeWindow(values.since, values.until, new Date());
  const lines: string[] = [];
  for await (const ref of listCloudTrailObjects(await s3ClientFor(values), location, window)) {
    lines.push(`${ref.bucket},${manifestKey(ref.key)}`);
  }
  const manifest = lines.map((line) => `${line}\n`).join('');
  if (values.output) {
    await writeFile(values.output, manifest);
    note(`wrote ${values.output}: ${lines.length} log files delivered from ${window.fromHour} to ${window.toHour}`);
  } else {
    process.stdout.write(manifest);
    note(`${lines.length} log files delivered from ${window.fromHour} to ${window.toHour}`);
  }
  return 0;
};

/** Batch Operations reads keys in a CSV manifest URL-encoded; the folder slashes may stay. */
export function manifestKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/');
}
