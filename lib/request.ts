import { bucketTarget } from './bucket';
import type { CloudTrailRecord } from './cloudtrail';
import type { RequestSource, SourceClassifier } from './source';
import { classifyVerdict, type RecordVerdict } from './verdict';

/** One counted S3 request: everything the aggregates need from its record, and nothing else. */
export interface S3Request extends RecordVerdict {
  eventId?: string;
  sharedEventId?: string;
  bucket: string;
  website: boolean;
  /** UTC hour of eventTime, `YYYY-MM-DDTHH`: the aggregates' time grain. */
  hour: string;
  /** eventTime in epoch seconds. */
  time: number;
  source: RequestSource;
  /** The principal's ARN, `anonymous`, or the identity type when there is no ARN. */
  principal: string;
  userAgent: string;
  operation: string;
  signatureVersion?: string;
  /** `QueryString` for presigned URLs, `AuthHeader` otherwise. */
  authenticationMethod?: string;
}

/** Only client API calls are requests; AwsServiceEvent, NetworkActivity and Insight records are not. */
export function isClientApiCall(record: CloudTrailRecord): boolean {
  return record.eventType === 'AwsApiCall';
}

/**
 * cleartrail's own `GetObject` calls on the log bucket appear in the logs when data events
 * are on for that bucket; the S3 client sends this user agent so that they can be left out.
 */
export const OWN_USER_AGENT = 'cleartrail';
const OWN_USER_AGENT_PATTERN = /(^|[\s([])cleartrail\//;

export function isOwnRequest(record: CloudTrailRecord): boolean {
  return typeof record.userAgent === 'string' && OWN_USER_AGENT_PATTERN.test(record.userAgent);
}

// User agents can be kilobytes long; the prefix identifies the SDK and tool.
const MAX_USER_AGENT_LENGTH = 256;

/**
 * Describes one S3 API call record. Returns an error message instead of throwing so that the
 * caller can name the log object and the record's position.
 */
export function describeRequest(record: CloudTrailRecord, sources: SourceClassifier): S3Request | string {
  const time = parseEventTime(record.eventTime);
  if (time === undefined) return `eventTime ${JSON.stringify(record.eventTime ?? null)} is not an ISO 8601 UTC time`;
  const target = bucketTarget(record);
  const extra = record.additionalEventData ?? undefined;
  return {
    ...classifyVerdict(record),
    eventId: stringOrUndefined(record.eventID),
    sharedEventId: stringOrUndefined(record.sharedEventID),
    bucket: target.bucket,
    website: target.website,
    hour: new Date(time * 1000).toISOString().slice(0, 13),
    time,
    source: sources.classify(record),
    principal: principalOf(record),
    userAgent: (stringOrUndefined(record.userAgent) ?? '').slice(0, MAX_USER_AGENT_LENGTH),
    operation: stringOrUndefined(record.eventName) ?? 'unknown',
    signatureVersion: stringOrUndefined(extra?.SignatureVersion),
    authenticationMethod: stringOrUndefined(extra?.AuthenticationMethod),
  };
}

function principalOf(record: CloudTrailRecord): string {
  const identity = record.userIdentity;
  if (!identity) return 'unknown';
  if (identity.accountId === 'anonymous') return 'anonymous';
  return stringOrUndefined(identity.arn) ?? stringOrUndefined(identity.type) ?? 'unknown';
}

const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function parseEventTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !EVENT_TIME.test(value)) return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : Math.floor(millis / 1000);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
