import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import {
  GetBucketNotificationConfigurationCommand,
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  parseLogObjectsNotification,
  sameNotificationConfiguration,
  withLogObjectsNotification,
  withoutLogObjectsNotification,
} from '../lib/lambda/bucket-notification';
import { customResourceResponse, sendCustomResourceResponse } from '../lib/lambda/custom-resource';

const logger = new Logger();
const s3 = new S3Client({});

/**
 * Custom resource `Custom::LogObjectsNotification`: keeps cleartrail's one QueueConfigurations
 * entry (found by its Id) in the existing trail bucket's notification configuration, and
 * removes it when the stack or the resource goes away. Other entries are never changed.
 */
export const handler = middy(async (event: CloudFormationCustomResourceEvent) => {
  let outcome: Parameters<typeof customResourceResponse>[1];
  try {
    const wanted = parseLogObjectsNotification(event.ResourceProperties);
    const physicalResourceId = `${wanted.bucket}/${wanted.id}`;
    if (event.RequestType === 'Delete') {
      // The Delete of a resource whose Create failed before it parsed has nothing to remove.
      if (event.PhysicalResourceId === physicalResourceId) {
        await update(wanted.bucket, (current) => withoutLogObjectsNotification(current, wanted.id)).catch(
          (error: unknown) => {
            // A bucket deleted before the stack took its notification configuration with it.
            if ((error as Error).name !== 'NoSuchBucket') throw error;
          },
        );
      }
    } else {
      await update(wanted.bucket, (current) => withLogObjectsNotification(current, wanted));
    }
    outcome = { status: 'SUCCESS', physicalResourceId };
  } catch (error) {
    logger.error('bucket notification not changed', { requestType: event.RequestType, error: error as Error });
    outcome = { status: 'FAILED', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  await sendCustomResourceResponse(event.ResponseURL, customResourceResponse(event, outcome));
}).use(injectLambdaContext(logger));

async function update(
  bucket: string,
  change: (current: NotificationConfiguration) => NotificationConfiguration,
): Promise<void> {
  const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const next = change(current);
  if (sameNotificationConfiguration(current, next)) {
    logger.info('bucket notification already as wanted', { bucket });
    return;
  }
  // S3 sends an s3:TestEvent to the queue here and refuses the change if it cannot (queue policy).
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: next }));
  logger.info('bucket notification updated', { bucket });
}
