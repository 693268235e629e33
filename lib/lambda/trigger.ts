import { InvalidTriggerError } from '../core/errors';
import type { LogObjectRef } from '../core/log-object-ref';
import { isAccessLogName } from '../formats/access-log';

export interface BatchTask {
  taskId: string;
  object: LogObjectRef;
}

/**
 * One message of an SQS batch. A body that names no log the way cleartrail knows keeps its
 * `problem`: that message alone goes back to the queue (and on to the dead-letter queue, where
 * it can be looked at), not the whole batch.
 */
export interface SqsMessage {
  messageId: string;
  objects: LogObjectRef[];
  problem?: string;
}

/** The invocation shapes the handler accepts, reduced to the objects they name. */
export type Trigger =
  | { kind: 'objects'; source: 's3' | 'eventbridge' | 'sns' | 's3-test'; objects: LogObjectRef[] }
  | { kind: 'sqs'; messages: SqsMessage[] }
  | { kind: 'batch'; schemaVersion: '1.0' | '2.0'; invocationId: string; tasks: BatchTask[] };

/**
 * Recognises an S3 event notification (directly, through SNS or through SQS), an EventBridge
 * "Object Created" event, CloudTrail's own SNS notification, and an S3 Batch Operations
 * invocation (schema 1.0 and 2.0). Anything else is an InvalidTriggerError that says what
 * was expected.
 */
export function parseTrigger(event: unknown): Trigger {
  if (!isObject(event)) throw new InvalidTriggerError(`event must be a JSON object, got ${typeOf(event)}`);
  if ('invocationSchemaVersion' in event) return parseBatch(event);
  if (Array.isArray(event.Records) && event.Records.some((r) => isObject(r) && r.eventSource === 'aws:sqs')) {
    return {
      kind: 'sqs',
      messages: event.Records.map((record, index) => {
        const where = `Records[${index}]`;
        if (!isObject(record) || record.eventSource !== 'aws:sqs') {
          throw new InvalidTriggerError(`${where}: every record of an SQS event must come from aws:sqs`);
        }
        const messageId = requireString(record.messageId, `${where}.messageId`);
        try {
          const body = parseJson(requireString(record.body, `${where}.body`), `${where}.body`);
          const inner = parseTrigger(body);
          if (inner.kind !== 'objects')
            throw new InvalidTriggerError(`${where}.body: expected an S3 or SNS notification`);
          return { messageId, objects: inner.objects };
        } catch (error) {
          if (!(error instanceof InvalidTriggerError)) throw error;
          return { messageId, objects: [], problem: error.message };
        }
      }),
    };
  }
  return parseObjects(event, 'event');
}

function parseObjects(event: Record<string, unknown>, where: string): Trigger & { kind: 'objects' } {
  if (event.Event === 's3:TestEvent') return { kind: 'objects', source: 's3-test', objects: [] };

  if (event.source === 'aws.s3' && isObject(event.detail)) {
    if (event['detail-type'] !== 'Object Created') {
      throw new InvalidTriggerError(
        `${where}: EventBridge detail-type ${JSON.stringify(event['detail-type'])} is not "Object Created"`,
      );
    }
    const detail = event.detail;
    const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
    const object = isObject(detail.object) ? detail.object : {};
    return {
      kind: 'objects',
      source: 'eventbridge',
      objects: [
        {
          bucket: requireString(bucket, `${where}.detail.bucket.name`),
          // EventBridge passes keys as they are, not URL-encoded like S3 notifications.
          key: requireString(object.key, `${where}.detail.object.key`),
          ...optionalVersion(object['version-id']),
        },
      ],
    };
  }

  if (Array.isArray(event.Records)) {
    const objects: LogObjectRef[] = [];
    let viaSns = where !== 'event';
    for (const [index, record] of event.Records.entries()) {
      const at = `${where}.Records[${index}]`;
      if (!isObject(record)) throw new InvalidTriggerError(`${at}: expected an object`);
      if (record.EventSource === 'aws:sns' && isObject(record.Sns)) {
        const message = parseJson(requireString(record.Sns.Message, `${at}.Sns.Message`), `${at}.Sns.Message`);
        if (!isObject(message)) throw new InvalidTriggerError(`${at}.Sns.Message: expected a JSON object`);
        objects.push(...parseObjects(message, `${at}.Sns.Message`).objects);
        viaSns = true;
        continue;
      }
      if (record.eventSource !== 'aws:s3' || !isObject(record.s3)) {
        throw new InvalidTriggerError(`${at}: expected an S3 event record (eventSource aws:s3)`);
      }
      if (typeof record.eventName === 'string' && !record.eventName.startsWith('ObjectCreated:')) continue;
      const s3 = record.s3;
      const bucket = isObject(s3.bucket) ? s3.bucket.name : undefined;
      const object = isObject(s3.object) ? s3.object : {};
      objects.push({
        bucket: requireString(bucket, `${at}.s3.bucket.name`),
        key: decodeS3EventKey(requireString(object.key, `${at}.s3.object.key`)),
        ...optionalVersion(object.versionId),
      });
    }
    return { kind: 'objects', source: viaSns ? 'sns' : 's3', objects };
  }

  // CloudTrail's own SNS notification: {"s3Bucket": "...", "s3ObjectKey": ["..."]}, keys not encoded.
  if (typeof event.s3Bucket === 'string' && Array.isArray(event.s3ObjectKey)) {
    const bucket = event.s3Bucket;
    return {
      kind: 'objects',
      source: 'sns',
      objects: event.s3ObjectKey.map((key, index) => ({
        bucket,
        key: requireString(key, `${where}.s3ObjectKey[${index}]`),
      })),
    };
  }
  throw new InvalidTriggerError(
    `${where}: not an S3 notification, EventBridge Object Created event, SQS or SNS message, or S3 Batch Operations invocation`,
  );
}

function parseBatch(event: Record<string, unknown>): Trigger & { kind: 'batch' } {
  const schemaVersion = event.invocationSchemaVersion;
  if (schemaVersion !== '1.0' && schemaVersion !== '2.0') {
    throw new InvalidTriggerError(`invocationSchemaVersion ${JSON.stringify(schemaVersion)} is not 1.0 or 2.0`);
  }
  const invocationId = requireString(event.invocationId, 'invocationId');
  if (!Array.isArray(event.tasks) || event.tasks.length === 0) {
    throw new InvalidTriggerError('tasks: an S3 Batch Operations invocation needs a non-empty tasks array');
  }
  const tasks = event.tasks.map((task, index): BatchTask => {
    const at = `tasks[${index}]`;
    if (!isObject(task)) throw new InvalidTriggerError(`${at}: expected an object`);
    const bucket =
      schemaVersion === '1.0'
        ? bucketFromArn(requireString(task.s3BucketArn, `${at}.s3BucketArn`), `${at}.s3BucketArn`)
        : requireString(task.s3Bucket, `${at}.s3Bucket`);
    return {
      taskId: requireString(task.taskId, `${at}.taskId`),
      object: {
        bucket,
        key: decodeS3EventKey(requireString(task.s3Key, `${at}.s3Key`)),
        ...optionalVersion(task.s3VersionId),
      },
    };
  });
  return { kind: 'batch', schemaVersion, invocationId, tasks };
}

/**
 * S3 notifications and Batch Operations URL-encode keys with `+` for a space
 * (`red flower.jpg` arrives as `red+flower.jpg`), so `+` must become a space before
 * `%xx` sequences are decoded, or a literal `%2B` would turn into a space too.
 */
export function decodeS3EventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new InvalidTriggerError(`object key ${JSON.stringify(encoded)} is not valid URL encoding`);
  }
}

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

function bucketFromArn(arn: string, where: string): string {
  const match = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(arn);
  if (!match?.[1]) throw new InvalidTriggerError(`${where}: ${JSON.stringify(arn)} is not an S3 bucket ARN`);
  return match[1];
}

function optionalVersion(value: unknown): { versionId?: string } {
  return typeof value === 'string' && value.length > 0 && value !== 'null' ? { versionId: value } : {};
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidTriggerError(`${where}: expected a non-empty string, got ${typeOf(value)}`);
  }
  return value;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidTriggerError(`${where}: not valid JSON`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
}
