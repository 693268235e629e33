/**
 * A trail's event selectors as CloudTrail returns them (`GetEventSelectors`, the JSON of
 * `aws cloudtrail get-event-selectors`), and what cleartrail keeps of a reading: the selectors
 * of one trail, or the server access logging of one bucket, with the time they were read.
 * Here because the store keeps readings and the coverage model (lib/report/coverage.ts) reads
 * them; this module only checks the shape.
 */
import { ConfigurationError } from './errors';

/** The operators of an advanced field selector; the values of one operator are alternatives. */
export const SELECTOR_OPERATORS = [
  'Equals',
  'StartsWith',
  'EndsWith',
  'NotEquals',
  'NotStartsWith',
  'NotEndsWith',
] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export type FieldSelector = { Field: string } & Partial<Record<SelectorOperator, string[]>>;

export interface AdvancedEventSelector {
  Name?: string;
  FieldSelectors: FieldSelector[];
}

export interface BasicEventSelector {
  ReadWriteType?: 'ReadOnly' | 'WriteOnly' | 'All';
  IncludeManagementEvents?: boolean;
  DataResources?: Array<{ Type: string; Values?: string[] }>;
  ExcludeManagementEventSources?: string[];
}

/** One trail's selectors: basic or advanced (CloudTrail allows one kind per trail). */
export interface TrailSelectors {
  trailArn: string;
  eventSelectors?: BasicEventSelector[];
  advancedEventSelectors?: AdvancedEventSelector[];
}

/** What a reading of one trail keeps: its selectors and what DescribeTrails and GetTrailStatus said. */
export interface TrailReading extends TrailSelectors {
  /** The trail's name as `put-event-selectors --trail-name` takes it. */
  name: string;
  /** ISO time the selectors were read. A newer reading of the same trail replaces an older one. */
  readAt: string;
  /** The bucket the trail delivers to, where known. */
  logBucket?: string;
  homeRegion?: string;
  /** False: the trail logs only in its home region, and so only buckets there. */
  multiRegion?: boolean;
  /** False when the trail is stopped (GetTrailStatus); unknown from a selectors file. */
  logging?: boolean;
  /** When the trail last started logging, where the API says. */
  loggingSince?: string;
}

/** A bucket's server access logging as GetBucketLogging answered it. */
export interface AccessLogReading {
  bucket: string;
  readAt: string;
  enabled: boolean;
  targetBucket?: string;
  targetPrefix?: string;
}

const READ_WRITE_TYPES = new Set(['ReadOnly', 'WriteOnly', 'All']);

/**
 * The selectors in one `get-event-selectors` document (`{"TrailARN", "EventSelectors"}` or
 * `{"TrailARN", "AdvancedEventSelectors"}`), checked field by field.
 *
 * @param source names the document in errors (a file name).
 * @throws ConfigurationError naming the document and what is wrong.
 */
export function parseSelectorsDocument(document: unknown, source: string): TrailSelectors {
  const fail = (problem: string): never => {
    throw new ConfigurationError(`${source}: ${problem}`);
  };
  if (!isObject(document)) return fail('is not a JSON object from "aws cloudtrail get-event-selectors"');
  const trailArn = document.TrailARN;
  if (typeof trailArn !== 'string' || !/^arn:[a-z-]+:cloudtrail:/.test(trailArn))
    return fail('has no TrailARN (arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME)');
  const basic = document.EventSelectors;
  const advanced = document.AdvancedEventSelectors;
  const hasBasic = Array.isArray(basic) && basic.length > 0;
  const hasAdvanced = Array.isArray(advanced) && advanced.length > 0;
  if (basic !== undefined && !Array.isArray(basic)) return fail('EventSelectors is not an array');
  if (advanced !== undefined && !Array.isArray(advanced)) return fail('AdvancedEventSelectors is not an array');
  if (hasBasic && hasAdvanced)
    return fail('has both EventSelectors and AdvancedEventSelectors, which CloudTrail never returns together');
  const result: TrailSelectors = { trailArn };
  if (hasBasic)
    result.eventSelectors = (basic as unknown[]).map((selector, i) =>
      basicSelector(selector, `EventSelectors[${i}]`, fail),
    );
  if (hasAdvanced) {
    result.advancedEventSelectors = (advanced as unknown[]).map((selector, i) =>
      advancedSelector(selector, `AdvancedEventSelectors[${i}]`, fail),
    );
  }
  return result;
}

function basicSelector(value: unknown, where: string, fail: (problem: string) => never): BasicEventSelector {
  if (!isObject(value)) return fail(`${where} is not an object`);
  const selector: BasicEventSelector = {};
  if (value.ReadWriteType !== undefined) {
    if (typeof value.ReadWriteType !== 'string' || !READ_WRITE_TYPES.has(value.ReadWriteType))
      return fail(`${where}.ReadWriteType ${JSON.stringify(value.ReadWriteType)} is not ReadOnly, WriteOnly or All`);
    selector.ReadWriteType = value.ReadWriteType as BasicEventSelector['ReadWriteType'];
  }
  if (value.IncludeManagementEvents !== undefined) {
    if (typeof value.IncludeManagementEvents !== 'boolean')
      return fail(`${where}.IncludeManagementEvents is not true or false`);
    selector.IncludeManagementEvents = value.IncludeManagementEvents;
  }
  if (value.DataResources !== undefined) {
    if (!Array.isArray(value.DataResources)) return fail(`${where}.DataResources is not an array`);
    selector.DataResources = value.DataResources.map((resource: unknown, i: number) => {
      if (!isObject(resource) || typeof resource.Type !== 'string')
        return fail(`${where}.DataResources[${i}] has no Type`);
      return {
        Type: resource.Type,
        Values: strings(resource.Values, `${where}.DataResources[${i}].Values`, fail) ?? [],
      };
    });
  }
  const excluded = strings(value.ExcludeManagementEventSources, `${where}.ExcludeManagementEventSources`, fail);
  if (excluded) selector.ExcludeManagementEventSources = excluded;
  return selector;
}

function advancedSelector(value: unknown, where: string, fail: (problem: string) => never): AdvancedEventSelector {
  if (!isObject(value)) return fail(`${where} is not an object`);
  if (!Array.isArray(value.FieldSelectors) || value.FieldSelectors.length === 0)
    return fail(`${where} has no FieldSelectors`);
  const selector: AdvancedEventSelector = {
    FieldSelectors: value.FieldSelectors.map((field: unknown, i: number) =>
      fieldSelector(field, `${where}.FieldSelectors[${i}]`, fail),
    ),
  };
  if (typeof value.Name === 'string' && value.Name !== '') selector.Name = value.Name;
  if (!selector.FieldSelectors.some((field) => field.Field === 'eventCategory'))
    return fail(`${where} has no eventCategory field selector, which CloudTrail requires`);
  return selector;
}

function fieldSelector(value: unknown, where: string, fail: (problem: string) => never): FieldSelector {
  if (!isObject(value) || typeof value.Field !== 'string' || value.Field === '') return fail(`${where} has no Field`);
  const selector: FieldSelector = { Field: value.Field };
  for (const operator of SELECTOR_OPERATORS) {
    const values = strings(value[operator], `${where}.${operator}`, fail);
    // The CLI prints every operator, most of them empty: an empty list is no condition.
    if (values && values.length > 0) selector[operator] = values;
  }
  if (!SELECTOR_OPERATORS.some((operator) => selector[operator] !== undefined))
    return fail(`${where} (${value.Field}) has no operator with a value`);
  return selector;
}

function strings(value: unknown, where: string, fail: (problem: string) => never): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    return fail(`${where} is not a list of strings`);
  return value as string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A trail's name from its ARN (`arn:aws:cloudtrail:us-east-1:111122223333:trail/NAME`). */
export function trailNameOf(trailArn: string): string {
  const slash = trailArn.indexOf(':trail/');
  return slash >= 0 ? trailArn.slice(slash + ':trail/'.length) : trailArn;
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` when it cannot tell. */
export function partitionOf(arn: string): string {
  return /^arn:([a-z-]+):/.exec(arn)?.[1] ?? 'aws';
}
