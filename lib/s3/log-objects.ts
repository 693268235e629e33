import { GetObjectCommand, ListObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PermanentLogError } from '../core/errors';
import type { LogObjectRef } from '../core/log-object-ref';
import type { TimeWindow } from '../core/time-window';
import { formatForName, type LogFormat } from '../formats';
import { accessLogDeliveryHour } from '../formats/access-log';
import { cloudTrailDeliveryHour } from '../formats/cloudtrail';
import type { LogInput } from '../formats/format';
import {
  afterStampedYear,
  dayPrefixes,
  flatAccessLogStart,
  hourInWindow,
  isAccessLogRegionFolder,
  isAccountFolder,
  isTrailDateFolder,
  isTrailRegionFolder,
  leadsToTrailRegions,
  pastStampedNames,
  startsWithStamp,
  withDayBefore,
} from '../formats/log-keys';

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
export function s3LogInput(s3: S3Client, ref: LogObjectRef, format?: LogFormat): LogInput {
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
    const prefixes = isTrailDateFolder(folder) ? [folder] : dayPrefixes(folder, window);
    for (const prefix of prefixes) {
      for await (const key of listKeys(s3, location.bucket, prefix)) {
        if (hourInWindow(cloudTrailDeliveryHour(key), window)) yield { bucket: location.bucket, key };
      }
    }
  }
}

/**
 * The S3 server access-log objects under `s3://bucket/prefix` (the target prefix of the logging
 * configuration) whose delivery time, from their names, falls in `window`. Both layouts:
 * flat objects `<prefix>YYYY-mm-DD-HH-MM-SS-<unique>` are listed from the window's start
 * (`StartAfter`) up to its end, so a day of a year's history costs about the listing of a day;
 * date-partitioned ones `<prefix><account>/<region>/<bucket>/YYYY/MM/DD/...` one day folder at a
 * time. The day folder is the delivery day or, with event-time partitioning, the day of the
 * requests, which can be the day before delivery: the day before the window is listed too.
 */
export async function* listAccessLogObjects(
  s3: S3Client,
  location: { bucket: string; prefix: string },
  window: TimeWindow,
): AsyncGenerator<LogObjectRef, void, void> {
  const { bucket, prefix } = location;
  yield* flatAccessLogObjects(s3, bucket, prefix, window);
  const folderWindow = withDayBefore(window);
  for await (const account of accessLogAccountFolders(s3, bucket, prefix)) {
    for await (const region of listFolders(s3, bucket, account)) {
      if (!isAccessLogRegionFolder(region.slice(account.length))) continue;
      for await (const sourceBucket of listFolders(s3, bucket, region)) {
        for (const day of dayPrefixes(sourceBucket, folderWindow)) {
          for await (const key of listKeys(s3, bucket, day)) {
            if (hourInWindow(accessLogDeliveryHour(key.slice(key.lastIndexOf('/') + 1)), window)) yield { bucket, key };
          }
        }
      }
    }
  }
}

/**
 * Flat access-log objects right below `prefix`, in key order, which is delivery order. Past the
 * window's end the listing jumps over the remaining stamped names (one more request) to the
 * names of target prefixes that end in the file name (`logs-2025-...`), which are read whole.
 */
async function* flatAccessLogObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  window: TimeWindow,
): AsyncGenerator<LogObjectRef, void, void> {
  const start = flatAccessLogStart(prefix, window);
  let pastTheEnd = false;
  for await (const key of listFlatKeys(s3, bucket, prefix, start)) {
    const name = key.slice(prefix.length);
    const hour = accessLogDeliveryHour(name);
    if (hour !== undefined && window.toHour !== undefined && hour > window.toHour && startsWithStamp(name)) {
      pastTheEnd = true;
      break;
    }
    if (hourInWindow(hour, window)) yield { bucket, key };
  }
  if (!pastTheEnd) return;
  for await (const key of listFlatKeys(s3, bucket, prefix, pastStampedNames(prefix))) {
    if (hourInWindow(accessLogDeliveryHour(key.slice(prefix.length)), window)) yield { bucket, key };
  }
}

/** The keys right below `prefix` after `startAfter`; the delimiter folds each folder (`AWSLogs/`, accounts) into one entry. */
async function* listFlatKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
  startAfter: string | undefined,
): AsyncGenerator<string, void, void> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        Delimiter: '/',
        ...(startAfter ? { StartAfter: startAfter } : {}),
        ContinuationToken: token,
      }),
    );
    for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * The account folders (`<account>/`) right below an access-log prefix, found without listing the
 * flat objects beside them (thousands a day): each run of them, one per year (`YYYY-...`), is
 * stepped over with a listing that starts after it. Single-key listings without a delimiter, as in
 * listFolders: s3rver answers delimiter listings of nested keys with nothing. One request per
 * folder, per year of flat objects and per other object right below the prefix.
 */
async function* accessLogAccountFolders(
  s3: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<string, void, void> {
  let after: string | undefined;
  for (;;) {
    // ListObjects (v1) with a marker, as in listFolders.
    const page = await s3.send(
      new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, ...(after ? { Marker: after } : {}), MaxKeys: 1 }),
    );
    const key = page.Contents?.[0]?.Key;
    if (key === undefined) return;
    const name = key.slice(prefix.length);
    const slash = name.indexOf('/');
    if (slash >= 0) {
      const folder = name.slice(0, slash + 1);
      if (isAccountFolder(folder)) yield `${prefix}${folder}`;
      // '0' is the character after '/': `name0` sorts after every `name/...` key.
      after = `${prefix}${folder.slice(0, -1)}0`;
      continue;
    }
    after = afterStampedYear(prefix, name) ?? key;
  }
}

async function* regionFolders(
  s3: S3Client,
  bucket: string,
  prefix: string,
  depth: number,
): AsyncGenerator<string, void, void> {
  if (isTrailRegionFolder(prefix) || isTrailDateFolder(prefix)) {
    yield prefix;
    return;
  }
  for await (const child of listFolders(s3, bucket, prefix)) {
    if (leadsToTrailRegions(prefix, child.slice(prefix.length), depth))
      yield* regionFolders(s3, bucket, child, depth + 1);
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
