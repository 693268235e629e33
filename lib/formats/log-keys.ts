/**
 * Where log objects sit in a bucket, as pure rules over keys: CloudTrail's delivery layout
 * (`[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/`) and the two layouts of S3
 * server access logs (flat `<prefix>YYYY-mm-DD-HH-MM-SS-<unique>` and date-partitioned
 * `<prefix><account>/<region>/<bucket>/YYYY/MM/DD/`). `lib/s3/log-objects.ts` makes the S3 calls
 * and asks these rules which folders and keys to list.
 */
import type { TimeWindow } from '../core/time-window';

/** Where CloudTrail delivery files of one account and region sit: `.../CloudTrail/<region>/`. */
const REGION_FOLDER = /(^|\/)CloudTrail\/[a-z0-9-]+\/$/;
/** A date folder below a region folder: `YYYY/`, `YYYY/MM/` or `YYYY/MM/DD/`. */
const DATE_FOLDER = /(^|\/)CloudTrail\/[a-z0-9-]+\/\d{4}\/(\d{2}\/(\d{2}\/)?)?$/;
const ACCOUNT = /^\d{12}\/$/;
const ORGANIZATION = /^o-[a-z0-9]{10,32}\/$/;
/** How deep a custom prefix above `AWSLogs/` is searched for it. */
const MAX_PREFIX_DEPTH = 3;
/** A region folder of the date-partitioned access-log layout; never CloudTrail's `CloudTrail/`. */
const ACCESS_LOG_REGION = /^[a-z]{2}(-[a-z]+)+-\d+\/$/;
/** A name that starts with its delivery stamp, as flat access-log objects right below their target prefix do. */
const STAMP_FIRST = /^(\d{4})-\d{2}-\d{2}-\d{2}/;
/** Sorts after every name that starts with a digit: where the names of other target prefixes begin. */
const PAST_DIGITS = ':';
const DAY_MS = 86_400_000;

/** A CloudTrail region folder, `.../CloudTrail/<region>/`. */
export function isTrailRegionFolder(prefix: string): boolean {
  return REGION_FOLDER.test(prefix);
}

/** A date folder below a CloudTrail region folder: `YYYY/`, `YYYY/MM/` or `YYYY/MM/DD/`. */
export function isTrailDateFolder(prefix: string): boolean {
  return DATE_FOLDER.test(prefix);
}

/** An account folder name, `<12 digits>/`. */
export function isAccountFolder(name: string): boolean {
  return ACCOUNT.test(name);
}

/** A region folder name of the date-partitioned access-log layout, `eu-west-1/`. */
export function isAccessLogRegionFolder(name: string): boolean {
  return ACCESS_LOG_REGION.test(name);
}

/**
 * Whether the folder `name` right below `prefix` can lead to CloudTrail region folders, so that
 * listing never walks a whole bucket: `AWSLogs/`, then account or organisation folders, accounts
 * of an organisation, `CloudTrail/` of an account, its regions; above `AWSLogs/` (a trail's own
 * prefix) any folder, down to {@link MAX_PREFIX_DEPTH}.
 */
export function leadsToTrailRegions(prefix: string, name: string, depth: number): boolean {
  const parent = prefix.slice(0, -1).split('/').at(-1) ?? '';
  return (
    name === 'AWSLogs/' ||
    (parent === 'AWSLogs' && (ACCOUNT.test(name) || ORGANIZATION.test(name))) ||
    (ORGANIZATION.test(`${parent}/`) && ACCOUNT.test(name)) ||
    (ACCOUNT.test(`${parent}/`) && name === 'CloudTrail/') ||
    parent === 'CloudTrail' ||
    (!prefix.includes('AWSLogs/') && depth < MAX_PREFIX_DEPTH)
  );
}

/** Whether a delivery hour (`YYYY-MM-DDTHH`) is inside the window, both ends inclusive; no hour is never inside. */
export function hourInWindow(hour: string | undefined, window: TimeWindow): boolean {
  if (hour === undefined) return false;
  if (window.fromHour !== undefined && hour < window.fromHour) return false;
  return window.toHour === undefined || hour <= window.toHour;
}

/** The day folders of a region folder that a window needs; the region folder itself for an open window. */
export function dayPrefixes(regionFolder: string, window: TimeWindow): string[] {
  if (window.fromHour === undefined || window.toHour === undefined) return [regionFolder];
  const days: string[] = [];
  const last = Date.parse(`${window.toHour.slice(0, 10)}T00:00:00Z`);
  for (let day = Date.parse(`${window.fromHour.slice(0, 10)}T00:00:00Z`); day <= last; day += DAY_MS) {
    const date = new Date(day).toISOString();
    days.push(`${regionFolder}${date.slice(0, 4)}/${date.slice(5, 7)}/${date.slice(8, 10)}/`);
  }
  return days;
}

/**
 * The window whose start moves a day earlier: with event-time partitioning an access-log object is
 * filed under the day of its requests, which can be the day before its delivery.
 */
export function withDayBefore(window: TimeWindow): TimeWindow {
  const fromHour =
    window.fromHour === undefined
      ? undefined
      : new Date(Date.parse(`${window.fromHour}:00:00Z`) - DAY_MS).toISOString().slice(0, 13);
  return { ...window, fromHour };
}

/** The `StartAfter` key of a flat access-log listing for the window: its first hour's stamp. */
export function flatAccessLogStart(prefix: string, window: TimeWindow): string | undefined {
  if (window.fromHour === undefined) return undefined;
  return `${prefix}${window.fromHour.slice(0, 10)}-${window.fromHour.slice(11, 13)}`;
}

/** Whether a name right below a target prefix starts with its delivery stamp. */
export function startsWithStamp(name: string): boolean {
  return STAMP_FIRST.test(name);
}

/** The `StartAfter` key that jumps over every stamped name right below `prefix`. */
export function pastStampedNames(prefix: string): string {
  return `${prefix}${PAST_DIGITS}`;
}

/**
 * For a stamped flat name, the marker that steps over the whole run of names of its year:
 * '.' is the character after '-', so `YYYY.` sorts after every `YYYY-...` name and before an
 * account folder `YYYY.../`. Undefined for a name that has no stamp.
 */
export function afterStampedYear(prefix: string, name: string): string | undefined {
  const year = STAMP_FIRST.exec(name)?.[1];
  return year ? `${prefix}${year}.` : undefined;
}
