import { InvalidTriggerError } from '../../core/errors';
import type { LogObjectRef } from '../../core/log-object-ref';
import { isBatchOperationsInvocation, parseBatchOperationsInvocation } from './batch-operations';
import { isCloudTrailNotification, parseCloudTrailNotification } from './cloudtrail-sns';
import { isEventBridgeS3Event, parseEventBridgeS3Event } from './eventbridge';
import { isS3TestEvent, parseS3EventRecord } from './s3-event';
import { isObject, type ObjectsTrigger, type Trigger, typeOf } from './shape';
import { isSnsEnvelope, isSnsRecord, snsEnvelopeMessage, snsRecordMessage } from './sns';
import { isSqsEvent, parseSqsEvent } from './sqs';

export type { BatchTask, ObjectsTrigger, SqsMessage, Trigger } from './shape';
export { decodeS3EventKey } from './shape';

/**
 * Recognises an S3 event notification (directly, through SNS or through SQS), an EventBridge
 * "Object Created" event, CloudTrail's own SNS notification, and an S3 Batch Operations
 * invocation (schema 1.0 and 2.0); in an SQS body, also any of these in an SNS envelope (a
 * subscription without raw message delivery). Anything else is an InvalidTriggerError that says
 * what was expected. Each shape is one module of this folder; this function only dispatches.
 */
export function parseTrigger(event: unknown): Trigger {
  if (!isObject(event)) throw new InvalidTriggerError(`event must be a JSON object, got ${typeOf(event)}`);
  if (isBatchOperationsInvocation(event)) return parseBatchOperationsInvocation(event);
  if (isSqsEvent(event)) return parseSqsEvent(event, parseSqsBody);
  return parseObjects(event, 'event');
}

function parseSqsBody(body: unknown, where: string): ObjectsTrigger {
  if (isObject(body) && isSnsEnvelope(body)) {
    const message = snsEnvelopeMessage(body, where);
    return { ...parseObjects(message, `${where}.Message`), source: 'sns' };
  }
  const inner = parseTrigger(body);
  if (inner.kind !== 'objects') throw new InvalidTriggerError(`${where}: expected an S3 or SNS notification`);
  return inner;
}

/** A notification that names objects: what S3, EventBridge or SNS sends, or CloudTrail through SNS. */
function parseObjects(event: Record<string, unknown>, where: string): ObjectsTrigger {
  if (isS3TestEvent(event)) return { kind: 'objects', source: 's3-test', objects: [] };
  if (isEventBridgeS3Event(event)) return parseEventBridgeS3Event(event, where);
  if (Array.isArray(event.Records)) return parseRecords(event.Records, where);
  if (isCloudTrailNotification(event)) return parseCloudTrailNotification(event, where);
  throw new InvalidTriggerError(
    `${where}: not an S3 notification, EventBridge Object Created event, SQS or SNS message, or S3 Batch Operations invocation`,
  );
}

/** `Records` of an S3 notification, or of an SNS invocation whose messages are notifications. */
function parseRecords(records: unknown[], where: string): ObjectsTrigger {
  const objects: LogObjectRef[] = [];
  let viaSns = where !== 'event';
  for (const [index, record] of records.entries()) {
    const at = `${where}.Records[${index}]`;
    if (!isObject(record)) throw new InvalidTriggerError(`${at}: expected an object`);
    if (isSnsRecord(record)) {
      objects.push(...parseObjects(snsRecordMessage(record, at), `${at}.Sns.Message`).objects);
      viaSns = true;
      continue;
    }
    const object = parseS3EventRecord(record, at);
    if (object) objects.push(object);
  }
  return { kind: 'objects', source: viaSns ? 'sns' : 's3', objects };
}
