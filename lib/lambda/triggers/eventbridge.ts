import { InvalidTriggerError } from '../../core/errors';
import { isObject, type ObjectsTrigger, optionalVersion, requireString } from './shape';

export function isEventBridgeS3Event(event: Record<string, unknown>): boolean {
  return event.source === 'aws.s3' && isObject(event.detail);
}

/** An EventBridge event from S3; only "Object Created" names a log to read. */
export function parseEventBridgeS3Event(event: Record<string, unknown>, where: string): ObjectsTrigger {
  if (event['detail-type'] !== 'Object Created') {
    throw new InvalidTriggerError(
      `${where}: EventBridge detail-type ${JSON.stringify(event['detail-type'])} is not "Object Created"`,
    );
  }
  const detail = event.detail as Record<string, unknown>;
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
