import { type ObjectsTrigger, requireString } from './shape';

/** CloudTrail's own SNS notification: {"s3Bucket": "...", "s3ObjectKey": ["..."]}. */
export function isCloudTrailNotification(event: Record<string, unknown>): boolean {
  return typeof event.s3Bucket === 'string' && Array.isArray(event.s3ObjectKey);
}

/** CloudTrail's notification names the files it delivered, keys not URL-encoded. */
export function parseCloudTrailNotification(event: Record<string, unknown>, where: string): ObjectsTrigger {
  const bucket = event.s3Bucket as string;
  return {
    kind: 'objects',
    source: 'sns',
    objects: (event.s3ObjectKey as unknown[]).map((key, index) => ({
      bucket,
      key: requireString(key, `${where}.s3ObjectKey[${index}]`),
    })),
  };
}
