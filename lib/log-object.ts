import { GetObjectCommand, ListObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PermanentLogError } from './errors';
import { formatForName, type LogFormat } from './formats';
import { cloudTrailDeliveryHour } from './formats/cloudtrail';
import type { LogSource } from './pipeline';
import type { TimeWindow } from './report';
import type { LogObjectRef } from './trigger';

/**
 * The only module that talks to S3: lists log objects and opens one as a byte stream. The body is not
 * buffered; the reader pulls it as it parses.
 */
export async function openLogObject(s3: S3Client, ref: LogObjectRef): Promise<AsyncIterable<Uint8Array>> {
  try {
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        ...(ref.versionId ? { VersionId: ref.versionId } : {}),
      }),
    );
    const body = response.Body as unknown as AsyncIterable<Uint8Array> | undefined;
    if (!body || typeof body[Symbol.asyncIterator] !== 'function') {
      throw new PermanentLogError(s3Location(ref), 'no-body', 'GetObject returned no body');
    }
    return body;
  } catch (error) {
    // Deleted before we got to it (lifecycle rule, manual cleanup): reading again won't help.
    if ((error as Error).name === 'NoSuchKey' || (error as Error).name === 'NoSuchVersion') {
      throw new PermanentLogError(s3Location(ref), 'missing-object', 'the object does not exist (any more)', error);
    }
    throw error;
  }
}

export function s3Location(ref: LogObjectRef): string {
  return `s3://${ref.bucket}/${ref.key}${ref.versionId ? `?versionId=${ref.versionId}` : ''}`;
}

/** A log object in S3 as a log source; the Lambda and `cleartrail reprocess` name it the same way. */
export function s3LogSource(s3: S3Client, ref: LogObjectRef, format?: LogFormat): LogSource {
  const location = s3Location(ref);
  const fileName = ref.key.slice(ref.key.lastIndexOf('/') + 1);
  const logFormat = format ?? formatForName(fileName);
  return {
    id: logFormat.logIdFromName(fileName) ?? location,
    location,
    format: logFormat,
    open: () => openLogObject(s3, ref),
  };
}

/** Where CloudTrail delivery files of one account and region sit: `.../CloudTrail/<region>/`. */
const REGION_FOLDER = /(^|\/)CloudTrail\/[a-z0-9-]+\/$/;
/** A date folder below a region folder: `YYYY/`, `YYYY/MM/` or `YYYY/MM/DD/`. */
const DATE_FOLDER = /(^|\/)CloudTrail\/[a-z0-9-]+\/\d{4}\/(\d{2}\/(\d{2}\/)?)?$/;
/** Folders worth descending into on the way to the region folders. */
const ACCOUNT = /^\d{12}\/$/;
const ORGANIZATION = /^o-[a-z0-9]{10,32}\/$/;
/** How deep a custom prefix above `AWSLogs/` is searched for it. */
const MAX_PREFIX_DEPTH = 3;

/**
 * The CloudTrail delivery files under `s3://bucket/prefix` whose delivery time (from their names)
 * falls in `window`, in key order. Listing never walks the whole bucket: account, organisation and
 * region folders are found with delimiter listings (`AWSLogs/[o-org/]<account>/CloudTrail/<region>/`),
 * then one prefix per day of the window is listed (the whole region folder when the window is open).
 * Digest and Insights files are not under `CloudTrail/` and are never listed.
 */
export async function* listCloudTrailObjects(
  s3: S3Client,
  location: { bucket: string; prefix: string },
  window: TimeWindow,
): AsyncGenerator<LogObjectRef, void, void> {
  for await (const folder of regionFolders(s3, location.bucket, location.prefix, 0)) {
    const prefixes = DATE_FOLDER.test(folder) ? [folder] : dayPrefixes(folder, window);
    for (const prefix of prefixes) {
      for await (const key of listKeys(s3, location.bucket, prefix)) {
        const hour = cloudTrailDeliveryHour(key);
        if (hour === undefined) continue;
        if (window.fromHour !== undefined && hour < window.fromHour) continue;
        if (window.toHour !== undefined && hour > window.toHour) continue;
        yield { bucket: location.bucket, key };
      }
    }
  }
}

/** The day folders of a region folder that a window needs; the region folder itself for an open window. */
export function dayPrefixes(regionFolder: string, window: TimeWindow): string[] {
  if (window.fromHour === undefined || window.toHour === undefined) return [regionFolder];
  const days: string[] = [];
  const last = Date.parse(`${window.toHour.slice(0, 10)}T00:00:00Z`);
  for (let day = Date.parse(`${window.fromHour.slice(0, 10)}T00:00:00Z`); day <= last; day += 86_400_000) {
    const date = new Date(day).toISOString();
    days.push(`${regionFolder}${date.slice(0, 4)}/${date.slice(5, 7)}/${date.slice(8, 10)}/`);
  }
  return days;
}

async function* regionFolders(
  s3: S3Client,
  bucket: string,
  prefix: string,
  depth: number,
): AsyncGenerator<string, void, void> {
  if (REGION_FOLDER.test(prefix) || DATE_FOLDER.test(prefix)) {
    yield prefix;
    return;
  }
  const parent = prefix.slice(0, -1).split('/').at(-1) ?? '';
  for await (const child of listFolders(s3, bucket, prefix)) {
    const name = child.slice(prefix.length);
    const worthIt =
      name === 'AWSLogs/' ||
      (parent === 'AWSLogs' && (ACCOUNT.test(name) || ORGANIZATION.test(name))) ||
      (ORGANIZATION.test(`${parent}/`) && ACCOUNT.test(name)) ||
      (ACCOUNT.test(`${parent}/`) && name === 'CloudTrail/') ||
      parent === 'CloudTrail' ||
      (!prefix.includes('AWSLogs/') && depth < MAX_PREFIX_DEPTH);
    if (worthIt) yield* regionFolders(s3, bucket, child, depth + 1);
  }
}

/**
 * The folders right below `prefix`: a delimiter listing, one request per thousand folders. Some
 * S3-compatible servers (s3rver among them) answer a delimiter listing of nested keys with
 * nothing at all; then each folder is found with one single-key listing that starts after the
 * folder before it, which still never lists the keys inside.
 */
async function* listFolders(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<string, void, void> {
  let token: string | undefined;
  let found = false;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
    );
    for (const folder of page.CommonPrefixes ?? []) {
      if (!folder.Prefix) continue;
      found = true;
      yield folder.Prefix;
    }
    if ((page.Contents ?? []).length > 0) found = true;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (found) return;
  let after = prefix;
  for (;;) {
    // ListObjects (v1) with a marker: s3rver cannot write the continuation token of a truncated v2 page.
    const page = await s3.send(
      new ListObjectsCommand({
        Bucket: bucket,
        Prefix: prefix,
        ...(after === prefix ? {} : { Marker: after }),
        MaxKeys: 1,
      }),
    );
    const key = page.Contents?.[0]?.Key;
    if (key === undefined) return;
    const slash = key.indexOf('/', prefix.length);
    if (slash < 0) {
      after = key;
      continue;
    }
    const folder = key.slice(0, slash + 1);
    yield folder;
    // Past every key of this folder: '0' is the character after '/', so `name0` sorts after every
    // `name/...` key (only an object named exactly `name0` is passed over, and it is no folder).
    after = `${folder.slice(0, -1)}0`;
  }
}

async function* listKeys(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<string, void, void> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
