import { InvalidTriggerError } from '../../core/errors';
import { type BatchTask, decodeS3EventKey, isObject, optionalVersion, requireString, type Trigger } from './shape';

export function isBatchOperationsInvocation(event: Record<string, unknown>): boolean {
  return 'invocationSchemaVersion' in event;
}

/** An S3 Batch Operations invocation, schema 1.0 (bucket ARN) or 2.0 (bucket name). */
export function parseBatchOperationsInvocation(event: Record<string, unknown>): Trigger & { kind: 'batch' } {
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

function bucketFromArn(arn: string, where: string): string {
  const match = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(arn);
  if (!match?.[1]) throw new InvalidTriggerError(`${where}: ${JSON.stringify(arn)} is not an S3 bucket ARN`);
  return match[1];
}
