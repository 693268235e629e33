import { GetObjectCommand, ListObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PermanentLogError } from '../core/errors';
import type { LogObjectRef } from '../core/log-object-ref';
import type { TimeWindow } from '../core/time-window';
import { formatForName, type LogFormat } from '../formats';
import { accessLogDeliveryHour } from '../formats/access-log';
import { cloudTrailDeliveryHour } from '../formats/cloudtrail';
import type { LogInput } from '../formats/format';

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

/** A region folder of the date-partitioned access-log layout; never CloudTrail's `CloudTrail/`. */
const ACCESS_LOG_REGION = /^[a-z]{2}(-[a-z]+)+-\d+\/$/;
/** A name that starts with its delivery stamp, as flat access-log objects right below their target prefix do. */
const STAMP_FIRST = /^(\d{4})-\d{2}-\d{2}-\d{2}/;
/** Sorts after every name that starts with a digit: where the names of other target prefixes begin. */
const PAST_DIGITS = ':';

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
  const dayBefore =
    window.fromHour === undefined
      ? undefined
      : new Date(Date.parse(`${window.fromHour}:00:00Z`) - 86_400_000).toISOString().slice(0, 13);
  const folderWindow = { ...window, fromHour: dayBefore };
  for await (const account of accessLogAccountFolders(s3, bucket, prefix)) {
    for await (const region of listFolders(s3, bucket, account)) {
      if (!ACCESS_LOG_REGION.test(region.slice(account.length))) continue;
      for await (const sourceBucket of listFolders(s3, bucket, region)) {
        for (const day of dayPrefixes(sourceBucket, folderWindow)) {
          for await (const key of listKeys(s3, bucket, day)) {
            if (inWindow(accessLogDeliveryHour(key.slice(key.lastIndexOf('/') + 1)), window)) yield { bucket, key };
          }
        }
      }
    }
  }
}

function inWindow(hour: string | undefined, window: TimeWindow): boolean {
  if (hour === undefined) return false;
  if (window.fromHour !== undefined && hour < window.fromHour) return false;
  return window.toHour === undefined || hour <= window.toHour;
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
  const start =
    window.fromHour === undefined
      ? undefined
      : `${prefix}${window.fromHour.slice(0, 10)}-${window.fromHour.slice(11, 13)}`;
  let pastTheEnd = false;
  for await (const key of listFlatKeys(s3, bucket, prefix, start)) {
    const name = key.slice(prefix.length);
    const hour = accessLogDeliveryHour(name);
    if (hour !== undefined && window.toHour !== undefined && hour > window.toHour && STAMP_FIRST.test(name)) {
      pastTheEnd = true;
      break;
    }
    if (inWindow(hour, window)) yield { bucket, key };
  }
  if (!pastTheEnd) return;
  for await (const key of listFlatKeys(s3, bucket, prefix, `${prefix}${PAST_DIGITS}`)) {
    if (inWindow(accessLogDeliveryHour(key.slice(prefix.length)), window)) yield { bucket, key };
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
      if (ACCOUNT.test(folder)) yield `${prefix}${folder}`;
      // '0' is the character after '/': `name0` sorts after every `name/...` key.
      after = `${prefix}${folder.slice(0, -1)}0`;
      continue;
    }
    const year = STAMP_FIRST.exec(name)?.[1];
    // '.' is the character after '-': `YYYY.` sorts after every `YYYY-...` name and before an account `YYYY.../`.
    after = year ? `${prefix}${year}.` : key;
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
