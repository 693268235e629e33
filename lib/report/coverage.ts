/**
 * What the trails can see of a bucket: from each trail's event selectors, whether CloudTrail
 * records the bucket's read data events, its write data events and its management events
 * (bucket-level calls), per key prefix where the selectors split the bucket by prefix. Pure:
 * the readings come from the store (lib/store) or a test.
 *
 * How a selector is read (docs/verdicts.md, "What the trail can see"):
 * - an advanced selector is the AND of its field selectors, a trail the OR of its selectors,
 *   and a bucket's coverage the OR of every trail read;
 * - inside one field selector, the values of `Equals`, `StartsWith` and `EndsWith` are
 *   alternatives (OR), and every `NotEquals`, `NotStartsWith` and `NotEndsWith` value must hold;
 * - basic selectors are read as the advanced selectors they stand for.
 *
 * Every condition on a set of events the model cannot enumerate (principals, key suffixes,
 * single objects, access points) makes coverage `partial` with the reason, never `logged`:
 * a part of a bucket that might not be recorded is a blind spot to `enforce-check`.
 */
import {
  type AccessLogReading,
  type AdvancedEventSelector,
  type BasicEventSelector,
  type FieldSelector,
  partitionOf,
  SELECTOR_OPERATORS,
  type TrailReading,
  type TrailSelectors,
} from '../core/event-selectors';
import { stripUndefined } from '../core/strip-undefined';

export type CoveragePart = 'reads' | 'writes' | 'management';
export const COVERAGE_PARTS: readonly CoveragePart[] = ['reads', 'writes', 'management'];
/** `unknown`: no trail was ever read (`cleartrail coverage`). */
export type CoverageState = 'logged' | 'partial' | 'not-logged' | 'unknown';

/** Object-level data events that read (`readOnly` true) and write, as CloudTrail names them. */
export const S3_READ_EVENTS = [
  'GetObject',
  'HeadObject',
  'GetObjectAcl',
  'GetObjectAttributes',
  'GetObjectLegalHold',
  'GetObjectRetention',
  'GetObjectTagging',
  'GetObjectTorrent',
  'SelectObjectContent',
  'ListObjects',
  'ListObjectVersions',
  'ListMultipartUploads',
  'ListParts',
] as const;
export const S3_WRITE_EVENTS = [
  'PutObject',
  'CopyObject',
  'DeleteObject',
  'DeleteObjects',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'PutObjectAcl',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'PutObjectLegalHold',
  'PutObjectRetention',
  'RestoreObject',
] as const;

/** How much of a set of events a condition selects. */
type Extent = { kind: 'all' } | { kind: 'none' } | { kind: 'some'; why: string[] };
const ALL: Extent = { kind: 'all' };
const NONE: Extent = { kind: 'none' };
const some = (...why: string[]): Extent => ({ kind: 'some', why });

function and(a: Extent, b: Extent): Extent {
  if (a.kind === 'none' || b.kind === 'none') return NONE;
  if (a.kind === 'all') return b;
  if (b.kind === 'all') return a;
  return some(...a.why, ...b.why);
}

function or(a: Extent, b: Extent): Extent {
  if (a.kind === 'all' || b.kind === 'all') return ALL;
  if (a.kind === 'none') return b;
  if (b.kind === 'none') return a;
  return some(...a.why, ...b.why);
}

const andAll = (extents: Extent[]) => extents.reduce(and, ALL);
const orAll = (extents: Extent[]) => extents.reduce(or, NONE);

/** The events a question is about: one direction of one category, of one key region for data. */
interface EventClass {
  category: 'Data' | 'Management';
  direction: 'read' | 'write';
  region: KeyRegion;
}

/**
 * The keys of a bucket under `prefix` and under none of `inner` (longer prefixes that other
 * selectors name): inside one region, every prefix condition of every selector is all or nothing.
 */
interface KeyRegion {
  bucket: string;
  prefix: string;
  inner: string[];
}

/** A selector with the label its reasons use. */
interface LabelledSelector {
  label: string;
  selector: AdvancedEventSelector;
}

const S3_SOURCE = 's3.amazonaws.com';
/** Basic-selector values that mean every bucket. */
const EVERY_BUCKET = /^arn:[a-z-]+:s3(:::)?$/;

/**
 * The advanced selectors a basic selector stands for: its management events, and one data
 * selector per data resource type (values are ARN prefixes, as basic selectors match them).
 */
export function advancedFromBasic(basic: BasicEventSelector): AdvancedEventSelector[] {
  const readOnly: FieldSelector[] =
    basic.ReadWriteType === 'ReadOnly'
      ? [{ Field: 'readOnly', Equals: ['true'] }]
      : basic.ReadWriteType === 'WriteOnly'
        ? [{ Field: 'readOnly', Equals: ['false'] }]
        : [];
  const selectors: AdvancedEventSelector[] = [];
  // CloudTrail's default for a basic selector is to include management events.
  if (basic.IncludeManagementEvents !== false) {
    const excluded = basic.ExcludeManagementEventSources ?? [];
    selectors.push({
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Management'] },
        ...readOnly,
        ...(excluded.length > 0 ? [{ Field: 'eventSource', NotEquals: excluded }] : []),
      ],
    });
  }
  for (const resource of basic.DataResources ?? []) {
    const values = resource.Values ?? [];
    if (values.length === 0) continue;
    const everything = values.some((value) => EVERY_BUCKET.test(value) || /^arn:[a-z-]+:[a-z0-9-]+$/.test(value));
    selectors.push({
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: [resource.Type] },
        ...(everything ? [] : [{ Field: 'resources.ARN', StartsWith: values }]),
        ...readOnly,
      ],
    });
  }
  return selectors;
}

/** A trail's selectors as advanced selectors, each with the label its reasons name it by. */
function labelledSelectors(trail: TrailSelectors): LabelledSelector[] {
  if (trail.advancedEventSelectors) {
    return trail.advancedEventSelectors.map((selector, i) => ({
      label: selector.Name ? `selector "${selector.Name}"` : `advanced selector ${i + 1}`,
      selector,
    }));
  }
  return (trail.eventSelectors ?? []).flatMap((basic, i) =>
    advancedFromBasic(basic).map((selector) => ({ label: `event selector ${i + 1}`, selector })),
  );
}

/** Whether one value meets a field selector: one of its positive values, and none of its negative ones. */
export function fieldMatches(value: string, field: FieldSelector): boolean {
  const positive = [
    ...(field.Equals ?? []).map((v) => value === v),
    ...(field.StartsWith ?? []).map((v) => value.startsWith(v)),
    ...(field.EndsWith ?? []).map((v) => value.endsWith(v)),
  ];
  if (positive.length > 0 && !positive.some(Boolean)) return false;
  if ((field.NotEquals ?? []).some((v) => value === v)) return false;
  if ((field.NotStartsWith ?? []).some((v) => value.startsWith(v))) return false;
  if ((field.NotEndsWith ?? []).some((v) => value.endsWith(v))) return false;
  return true;
}

function hasPositive(field: FieldSelector): boolean {
  return field.Equals !== undefined || field.StartsWith !== undefined || field.EndsWith !== undefined;
}

/** `eventName Equals PutObject, DeleteObject`, for a reason. */
function describeField(field: FieldSelector): string {
  return SELECTOR_OPERATORS.filter((operator) => field[operator] !== undefined)
    .map((operator) => `${field.Field} ${operator} ${(field[operator] as string[]).join(', ')}`)
    .join(' and ');
}

const literal = (value: string, field: FieldSelector): Extent => (fieldMatches(value, field) ? ALL : NONE);

/** How much of the region's object ARNs one resources.ARN field selector selects. */
function arnExtent(field: FieldSelector, region: KeyRegion, partition: string): Extent {
  const base = `arn:${partition}:s3:::${region.bucket}/`;
  const head = base + region.prefix;
  const keyOf = (arn: string) => (arn.startsWith(base) ? arn.slice(base.length) : undefined);
  const inRegion = (key: string) =>
    key.startsWith(region.prefix) && !region.inner.some((inner) => key.startsWith(inner));
  // A prefix value either holds for every key of the region or for none: the regions are cut at every prefix named.
  const startsWith = (value: string) => head.startsWith(value);
  const positives: Extent[] = [
    ...(field.StartsWith ?? []).map((value) => (startsWith(value) ? ALL : NONE)),
    ...(field.Equals ?? []).map((value) => {
      const key = keyOf(value);
      return key !== undefined && key !== '' && inRegion(key) ? some(`only the object ${key}`) : NONE;
    }),
    ...(field.EndsWith ?? []).map((value) => some(`only keys ending in ${value}`)),
  ];
  const negatives: Extent[] = [
    ...(field.NotStartsWith ?? []).map((value) => (startsWith(value) ? NONE : ALL)),
    ...(field.NotEquals ?? []).map((value) => {
      const key = keyOf(value);
      return key !== undefined && key !== '' && inRegion(key) ? some(`not the object ${key}`) : ALL;
    }),
    ...(field.NotEndsWith ?? []).map((value) => some(`not keys ending in ${value}`)),
  ];
  return and(positives.length > 0 ? orAll(positives) : ALL, andAll(negatives));
}

function eventNameExtent(field: FieldSelector, event: EventClass): Extent {
  if (event.category === 'Management')
    return hasPositive(field) ? some(`only ${describeField(field)}`) : some(describeField(field));
  const names: readonly string[] = event.direction === 'read' ? S3_READ_EVENTS : S3_WRITE_EVENTS;
  const matched = names.filter((name) => fieldMatches(name, field));
  if (matched.length === names.length) return ALL;
  if (matched.length === 0) return NONE;
  if (hasPositive(field)) return some(`only ${matched.join(', ')}`);
  return some(`not ${names.filter((name) => !matched.includes(name)).join(', ')}`);
}

/** How much of the event class one field selector selects, for object events or access-point events. */
function fieldExtent(
  field: FieldSelector,
  event: EventClass,
  path: 'object' | 'access-point',
  partition: string,
): Extent {
  switch (field.Field) {
    case 'eventCategory':
      return literal(event.category, field);
    case 'readOnly':
      return literal(event.direction === 'read' ? 'true' : 'false', field);
    case 'eventSource':
      return literal(S3_SOURCE, field);
    case 'eventType':
      return literal('AwsApiCall', field);
    case 'eventName':
      return eventNameExtent(field, event);
    case 'resources.ARN':
      if (event.category === 'Management') return some(describeField(field));
      if (path === 'access-point') return some(`only access points with ${describeField(field)}`);
      return arnExtent(field, event.region, partition);
    case 'userIdentity.arn':
      return some(
        hasPositive(field)
          ? `only principals with ${describeField(field)}`
          : `not principals with ${describeField(field)}`,
      );
    case 'sessionCredentialFromConsole':
      // Console sessions count as `service` (the console proxies the call): leaving them out hides no client.
      return fieldMatches('false', field) ? ALL : some('only console sessions');
    default:
      return some(`${describeField(field)}, a condition cleartrail does not model`);
  }
}

function selectorExtent(selector: AdvancedEventSelector, event: EventClass, partition: string): Extent {
  const fields = selector.FieldSelectors;
  if (event.category === 'Management') {
    return andAll(
      fields.map((field) =>
        field.Field === 'resources.type' ? some(describeField(field)) : fieldExtent(field, event, 'object', partition),
      ),
    );
  }
  const types = fields.filter((field) => field.Field === 'resources.type');
  const others = fields.filter((field) => field.Field !== 'resources.type');
  const objects = types.every((field) => fieldMatches('AWS::S3::Object', field))
    ? andAll(others.map((field) => fieldExtent(field, event, 'object', partition)))
    : NONE;
  const accessPoints = types.every((field) => fieldMatches('AWS::S3::AccessPoint', field))
    ? and(
        some('only requests through S3 access points'),
        andAll(others.map((field) => fieldExtent(field, event, 'access-point', partition))),
      )
    : NONE;
  return or(objects, accessPoints);
}

/** Conditions of the trail itself: stopped, or single-region. */
function trailExtent(trail: TrailReading, options: CoverageOptions, bucket: string): Extent {
  if (trail.logging === false) return NONE;
  if (trail.multiRegion === false) {
    const region = options.bucketRegions?.[bucket];
    if (region !== undefined) return region === trail.homeRegion ? ALL : NONE;
    return some(`single-region trail (${trail.homeRegion ?? 'its home region'}): only if the bucket is in that region`);
  }
  return ALL;
}

export interface CoverageOptions {
  /** Bucket regions where known: a single-region trail logs only the buckets of its region. */
  bucketRegions?: Readonly<Record<string, string>>;
}

export interface TrailCoverage {
  trail: string;
  trailArn: string;
  readAt: string;
  logBucket?: string;
  logging?: boolean;
  loggingSince?: string;
  reads: CoverageState;
  writes: CoverageState;
  management: CoverageState;
  why?: Partial<Record<CoveragePart, string[]>>;
}

/** Coverage of one key prefix, where the selectors split the bucket by prefix. */
export interface PrefixCoverage {
  /** `''` is the rest of the bucket: the keys under none of the other prefixes listed. */
  prefix: string;
  reads: CoverageState;
  writes: CoverageState;
}

export interface PartsCoverage {
  reads: CoverageState;
  writes: CoverageState;
  management: CoverageState;
  /** Why a part is `partial` or `not-logged`. */
  why?: Partial<Record<CoveragePart, string[]>>;
}

export interface BucketCoverage extends PartsCoverage {
  bucket: string;
  /** Every trail read, with what it records of the bucket. */
  trails: TrailCoverage[];
  /** Per key prefix, when the selectors cut the bucket by prefix and the prefixes differ. */
  prefixes?: PrefixCoverage[];
  /** What CloudTrail alone records: what figures counted from CloudTrail rest on. */
  cloudTrail: PartsCoverage;
  /** Server access logging of the bucket, when it was read. */
  accessLogs?: { enabled: boolean; target?: string; targetBucket?: string; readAt: string };
  /** The oldest reading the coverage rests on. */
  readAt?: string;
}

type Regional = Array<{ region: KeyRegion; extent: Extent }>;

/**
 * A bucket's coverage: the union over the trails read (each one delivers to an analysed log
 * bucket; `cleartrail coverage` reads only those) and its server access logging. With neither
 * ever read, every part is `unknown`.
 */
export function bucketCoverage(
  bucket: string,
  trails: readonly TrailReading[],
  accessLogs: AccessLogReading | undefined,
  options: CoverageOptions = {},
): BucketCoverage {
  const regions = keyRegions(bucket, trails);
  const perTrail = trails.map((trail) => ({ trail, ...trailExtents(trail, bucket, regions, options) }));
  const union = (part: 'read' | 'write'): Regional =>
    regions.map((region, i) => ({
      region,
      extent: orAll(perTrail.map((t) => (part === 'read' ? t.reads : t.writes)[i]?.extent ?? NONE)),
    }));
  const reads = union('read');
  const writes = union('write');
  const management = orAll(perTrail.map((t) => t.management));
  const known = trails.length > 0;
  const cloudTrail: PartsCoverage = known
    ? withWhy({
        reads: regionalState(reads, 'reads', perTrail, regions),
        writes: regionalState(writes, 'writes', perTrail, regions),
        management: extentState(management, 'management'),
      })
    : { reads: 'unknown', writes: 'unknown', management: 'unknown' };
  const combined = withAccessLogs(cloudTrail, accessLogs, bucket);
  const readTimes = [...trails.map((t) => t.readAt), ...(accessLogs ? [accessLogs.readAt] : [])].sort();
  const prefixes =
    regions.length > 1 &&
    regions.some((_, i) => state(reads[i]) !== state(reads[0]) || state(writes[i]) !== state(writes[0]))
      ? regions.map((region, i) => ({ prefix: region.prefix, reads: state(reads[i]), writes: state(writes[i]) }))
      : undefined;
  return stripUndefined({
    bucket,
    ...combined,
    trails: perTrail.map(({ trail, reads: r, writes: w, management: m, selecting }) =>
      stripUndefined({
        trail: trail.name,
        trailArn: trail.trailArn,
        readAt: trail.readAt,
        logBucket: trail.logBucket,
        logging: trail.logging,
        loggingSince: trail.loggingSince,
        ...withWhy({
          reads: regionalState(r, 'reads', [{ trail, reads: r, writes: w, selecting }], regions),
          writes: regionalState(w, 'writes', [{ trail, reads: r, writes: w, selecting }], regions),
          management: extentState(m, 'management'),
        }),
      }),
    ),
    prefixes,
    cloudTrail,
    accessLogs: accessLogs
      ? stripUndefined({
          enabled: accessLogs.enabled,
          target: accessLogs.enabled
            ? `s3://${accessLogs.targetBucket ?? ''}/${accessLogs.targetPrefix ?? ''}`
            : undefined,
          targetBucket: accessLogs.enabled ? accessLogs.targetBucket : undefined,
          readAt: accessLogs.readAt,
        })
      : undefined,
    readAt: readTimes[0],
  });
}

/** Server access logs record every request to the bucket: with logging on, every part is logged. */
function withAccessLogs(
  cloudTrail: PartsCoverage,
  accessLogs: AccessLogReading | undefined,
  bucket: string,
): PartsCoverage {
  if (!accessLogs) return cloudTrail;
  if (accessLogs.enabled) return { reads: 'logged', writes: 'logged', management: 'logged' };
  const off = `server access logging is off for ${bucket}`;
  const combined: PartsCoverage = { ...cloudTrail, why: { ...cloudTrail.why } };
  for (const part of COVERAGE_PARTS) {
    if (combined[part] === 'logged') continue;
    combined.why = { ...combined.why, [part]: [...(combined.why?.[part] ?? []), off] };
  }
  return combined;
}

interface TrailExtents {
  reads: Regional;
  writes: Regional;
  management: Extent;
  /** The selectors that select some data events of the bucket, per direction. */
  selecting: Record<'reads' | 'writes', string[]>;
}

type TrailParts = { trail: TrailReading } & Pick<TrailExtents, 'reads' | 'writes' | 'selecting'>;

function trailExtents(
  trail: TrailReading,
  bucket: string,
  regions: readonly KeyRegion[],
  options: CoverageOptions,
): TrailExtents {
  const partition = partitionOf(trail.trailArn);
  const selectors = labelledSelectors(trail);
  const condition = trailExtent(trail, options, bucket);
  const of = (event: EventClass): Extent =>
    and(
      condition,
      orAll(
        selectors.map(({ label, selector }) =>
          labelled(`${trail.name}, ${label}`, selectorExtent(selector, event, partition)),
        ),
      ),
    );
  const regional = (direction: 'read' | 'write'): Regional =>
    regions.map((region) => ({ region, extent: of({ category: 'Data', direction, region }) }));
  const root = regions[0] as KeyRegion;
  const selecting = (direction: 'read' | 'write') =>
    selectors
      .filter(({ selector }) =>
        regions.some(
          (region) => selectorExtent(selector, { category: 'Data', direction, region }, partition).kind !== 'none',
        ),
      )
      .map(({ label }) => label);
  return {
    reads: regional('read'),
    writes: regional('write'),
    selecting: { reads: selecting('read'), writes: selecting('write') },
    management: managementParts(
      of({ category: 'Management', direction: 'read', region: root }),
      of({ category: 'Management', direction: 'write', region: root }),
    ),
  };
}

/** Management events as one part: both directions, or which one is missing. */
function managementParts(read: Extent, write: Extent): Extent {
  if (read.kind === 'all' && write.kind === 'all') return ALL;
  if (read.kind === 'none' && write.kind === 'none') return NONE;
  const why: string[] = [];
  if (read.kind === 'none') why.push('write management events only');
  else if (read.kind === 'some') why.push(...read.why.map((w) => `reads: ${w}`));
  if (write.kind === 'none') why.push('read management events only');
  else if (write.kind === 'some') why.push(...write.why.map((w) => `writes: ${w}`));
  return some(...why);
}

function labelled(label: string, extent: Extent): Extent {
  return extent.kind === 'some' ? some(...extent.why.map((why) => `${label}: ${why}`)) : extent;
}

/**
 * The regions of a bucket's keys that every prefix named by a selector cuts out: the whole
 * bucket when no selector names a prefix inside it.
 */
function keyRegions(bucket: string, trails: readonly TrailReading[]): KeyRegion[] {
  const prefixes = new Set<string>();
  for (const trail of trails) {
    const base = `arn:${partitionOf(trail.trailArn)}:s3:::${bucket}/`;
    for (const { selector } of labelledSelectors(trail)) {
      for (const field of selector.FieldSelectors) {
        if (field.Field !== 'resources.ARN') continue;
        for (const value of [...(field.StartsWith ?? []), ...(field.NotStartsWith ?? [])]) {
          if (value.startsWith(base) && value.length > base.length) prefixes.add(value.slice(base.length));
        }
      }
    }
  }
  const sorted = ['', ...[...prefixes].sort()];
  return sorted.map((prefix) => ({
    bucket,
    prefix,
    inner: sorted.filter((other) => other !== prefix && other.startsWith(prefix)),
  }));
}

function state(entry: { extent: Extent } | undefined): CoverageState {
  return entry ? extentState(entry.extent, 'reads').state : 'not-logged';
}

function extentState(extent: Extent, part: CoveragePart): { state: CoverageState; why?: string[]; part: CoveragePart } {
  if (extent.kind === 'all') return { state: 'logged', part };
  if (extent.kind === 'none') return { state: 'not-logged', part };
  return { state: 'partial', why: [...new Set(extent.why)], part };
}

/**
 * A data part over the regions: logged where every region is, not logged where none is, and
 * partial otherwise, saying under which prefixes. For a part no selector records, the reasons
 * name the selectors that record the other direction of the bucket (write-only selectors).
 */
function regionalState(
  regional: Regional,
  part: 'reads' | 'writes',
  perTrail: readonly TrailParts[],
  regions: readonly KeyRegion[],
): { state: CoverageState; why?: string[]; part: CoveragePart } {
  const states = regional.map((entry) => extentState(entry.extent, part));
  if (states.every((s) => s.state === 'logged')) return { state: 'logged', part };
  if (states.every((s) => s.state === 'not-logged'))
    return { state: 'not-logged', why: notLoggedWhy(part, perTrail), part };
  const why: string[] = [];
  if (regions.length > 1) {
    const where = (wanted: CoverageState) =>
      regional.filter((_, i) => states[i]?.state === wanted).map((entry) => prefixLabel(entry.region));
    const logged = where('logged');
    const missing = where('not-logged');
    if (logged.length > 0) why.push(`logged under ${logged.join(', ')}`);
    if (missing.length > 0) why.push(`not logged under ${missing.join(', ')}`);
  }
  for (const s of states) if (s.why) why.push(...s.why);
  return { state: 'partial', why: [...new Set(why)], part };
}

/** Why no trail records a part: stopped trails, and selectors that record only the other direction. */
function notLoggedWhy(part: 'reads' | 'writes', perTrail: readonly TrailParts[]): string[] {
  const other = part === 'reads' ? 'writes' : 'reads';
  return perTrail.map(({ trail, selecting }) => {
    if (trail.logging === false) return `trail ${trail.name} is not logging`;
    const recordsOther = selecting[other];
    return recordsOther.length > 0
      ? `trail ${trail.name} records ${other} of the bucket but no ${part}: ${recordsOther.join(', ')} ${recordsOther.length === 1 ? 'leaves' : 'leave'} them out (readOnly or eventName)`
      : `no selector of trail ${trail.name} selects data events of the bucket`;
  });
}

function prefixLabel(region: KeyRegion): string {
  if (region.prefix === '') return region.inner.length > 0 ? 'the rest of the bucket' : 'the whole bucket';
  return `${region.prefix}*`;
}

function withWhy(parts: Record<CoveragePart, { state: CoverageState; why?: string[] }>): PartsCoverage {
  const why: Partial<Record<CoveragePart, string[]>> = {};
  for (const part of COVERAGE_PARTS) {
    const reasons = parts[part].why;
    if (reasons && reasons.length > 0) why[part] = reasons;
  }
  return {
    reads: parts.reads.state,
    writes: parts.writes.state,
    management: parts.management.state,
    ...(Object.keys(why).length > 0 ? { why } : {}),
  };
}

/** The report's coverage column: which data events are fully logged (`rw`, `r`, `w`, `none`), `?` when never read. */
export function coverageCode(
  coverage: Pick<PartsCoverage, 'reads' | 'writes'> | undefined,
): 'rw' | 'r' | 'w' | 'none' | '?' {
  if (!coverage || (coverage.reads === 'unknown' && coverage.writes === 'unknown')) return '?';
  const r = coverage.reads === 'logged';
  const w = coverage.writes === 'logged';
  return r && w ? 'rw' : r ? 'r' : w ? 'w' : 'none';
}

/** The command that would close a gap, and what it costs. */
export interface CoverageFix {
  /** `aws cloudtrail put-event-selectors` on a trail read, its selectors kept, plus one for the bucket. */
  putEventSelectors: { trail: string; command: string; cost: string };
  /** `aws s3api put-bucket-logging`: server access logs, which cleartrail reads as well. */
  putBucketLogging: { command: string; cost: string };
}

export const DATA_EVENTS_COST =
  "CloudTrail bills data events at $0.10 per 100,000 delivered (each trail that logs them pays again); reads are most of a busy bucket's requests";
export const ACCESS_LOGS_COST =
  'server access logs cost nothing to write: only the storage of the log objects (best-effort delivery, within hours)';

/**
 * How to record every data event of the bucket: an advanced selector added to a trail
 * (put-event-selectors replaces all of a trail's selectors, so the trail's own are repeated;
 * basic ones as the advanced selectors they stand for), or server access logging.
 */
export function coverageFix(bucket: string, trails: readonly TrailReading[], logBucket?: string): CoverageFix {
  const trail = [...trails].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
  const partition = trail ? partitionOf(trail.trailArn) : 'aws';
  const kept = trail ? labelledSelectors(trail).map(({ selector }) => selector) : [];
  const added: AdvancedEventSelector = {
    Name: `S3 data events of ${bucket}`,
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
      { Field: 'resources.ARN', StartsWith: [`arn:${partition}:s3:::${bucket}/`] },
    ],
  };
  const trailName = trail?.name ?? 'TRAIL';
  const target = logBucket ?? 'LOG-BUCKET';
  return {
    putEventSelectors: {
      trail: trailName,
      command: `aws cloudtrail put-event-selectors --trail-name ${trailName} --advanced-event-selectors '${JSON.stringify([...kept, added])}'`,
      cost: DATA_EVENTS_COST,
    },
    putBucketLogging: {
      command: `aws s3api put-bucket-logging --bucket ${bucket} --bucket-logging-status '${JSON.stringify({ LoggingEnabled: { TargetBucket: target, TargetPrefix: `${bucket}/` } })}'`,
      cost: `${ACCESS_LOGS_COST}; then: cleartrail analyze s3://${target}/${bucket}/`,
    },
  };
}
