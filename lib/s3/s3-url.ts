import { validateBucketName } from '../core/bucket-name';
import { InvalidValueError } from '../core/errors';
import type { LogObjectRef } from '../core/log-object-ref';

const VERSION_SUFFIX = /\?versionId=([A-Za-z0-9._-]+)$/;

/** Whether a location names an S3 object rather than a local file. */
export function isS3Url(location: string): boolean {
  return location.startsWith('s3://');
}

/**
 * Reads an `s3://bucket/key` URL, as the AWS CLI writes it and as cleartrail records failed
 * logs (`s3Location`, with `?versionId=` when a version was named). The key is taken
 * literally, as the AWS CLI does: spaces and `%` stay as they are.
 *
 * @throws InvalidValueError (field `S3 URL`) for another scheme, no key, or a bad bucket name.
 * @example
 * parseS3Url('s3://acme-trail/AWSLogs/my log.json.gz') // => { bucket: 'acme-trail', key: 'AWSLogs/my log.json.gz' }
 */
export function parseS3Url(url: string): LogObjectRef {
  if (!isS3Url(url)) throw new InvalidValueError('S3 URL', url, 'does not start with s3://');
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0 || slash === rest.length - 1) {
    throw new InvalidValueError('S3 URL', url, 'names no object: expected s3://bucket/key');
  }
  const bucket = rest.slice(0, slash);
  try {
    validateBucketName(bucket);
  } catch (error) {
    throw new InvalidValueError('S3 URL', url, `has a bad bucket name: ${(error as Error).message}`);
  }
  const version = VERSION_SUFFIX.exec(rest);
  const key = rest.slice(slash + 1, version ? version.index : undefined);
  if (key === '') throw new InvalidValueError('S3 URL', url, 'names no object: expected s3://bucket/key');
  return { bucket, key, ...(version?.[1] ? { versionId: version[1] } : {}) };
}

/**
 * Reads an `s3://bucket[/prefix]` URL that names where logs are, not one object: the prefix may be
 * empty, and ends with `/` whenever it is not.
 *
 * @throws InvalidValueError (field `S3 URL`) for another scheme or a bad bucket name.
 */
export function parseS3Prefix(url: string): { bucket: string; prefix: string } {
  if (!isS3Url(url)) throw new InvalidValueError('S3 URL', url, 'does not start with s3://');
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  try {
    validateBucketName(bucket);
  } catch (error) {
    throw new InvalidValueError('S3 URL', url, `has a bad bucket name: ${(error as Error).message}`);
  }
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  return { bucket, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}
