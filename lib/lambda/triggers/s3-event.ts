import { InvalidTriggerError } from '../../core/errors';
import type { LogObjectRef } from '../../core/log-object-ref';
import { decodeS3EventKey, isObject, optionalVersion, requireString } from './shape';

/** The message S3 sends once when a notification is put, to check that it can deliver. */
export function isS3TestEvent(event: Record<string, unknown>): boolean {
  return event.Event === 's3:TestEvent';
}

/**
 * One record of an S3 event notification: the object it names, or undefined for an event that
 * creates nothing (a delete, a restore). Keys arrive URL-encoded.
 */
export function parseS3EventRecord(record: Record<string, unknown>, at: string): LogObjectRef | undefined {
  if (record.eventSource !== 'aws:s3' || !isObject(record.s3)) {
    throw new InvalidTriggerError(`${at}: expected an S3 event record (eventSource aws:s3)`);
  }
  if (typeof record.eventName === 'string' && !record.eventName.startsWith('ObjectCreated:')) return undefined;
  const s3 = record.s3;
  const bucket = isObject(s3.bucket) ? s3.bucket.name : undefined;
  const object = isObject(s3.object) ? s3.object : {};
  return {
    bucket: requireString(bucket, `${at}.s3.bucket.name`),
    key: decodeS3EventKey(requireString(object.key, `${at}.s3.object.key`)),
    ...optionalVersion(object.versionId),
  };
}
