import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PermanentLogError } from './errors';
import { formatForName, type LogFormat } from './formats';
import type { LogSource } from './pipeline';
import type { LogObjectRef } from './trigger';

/**
 * The only module that talks to S3: opens a log object as a byte stream. The body is not
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
export function s3LogSource(s3: S3Client, ref: LogObjectRef, format?: LogFormat): LogSource {
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
