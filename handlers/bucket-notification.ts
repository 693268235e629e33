import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import {
  GetBucketNotificationConfigurationCommand,
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { OWN_USER_AGENT } from '../lib/classify/request';
import { readBucketFacts } from '../lib/lambda/bucket-facts';
import {
  parseLogObjectsNotification,
  plannedNotificationConfiguration,
  sameNotificationConfiguration,
  withoutLogObjectsNotification,
} from '../lib/lambda/bucket-notification';
import { preflightProblems } from '../lib/lambda/bucket-preflight';
import { customResourceResponse, sendCustomResourceResponse, withinDeadline } from '../lib/lambda/custom-resource';
import { version } from '../package.json';

const logger = new Logger();
// A bucket in another region answers GetBucketLocation through the redirect; the preflight then
// says which region to deploy to. The preflight's listing is a data event of the trail bucket:
// cleartrail's user agent keeps it out of the counts. Path-style for s3rver in tests.
const s3 = new S3Client({
  followRegionRedirects: true,
  customUserAgent: `${OWN_USER_AGENT}/${version}`,
  ...(process.env.CLEARTRAIL_S3_FORCE_PATH_STYLE === 'true' ? { forcePathStyle: true } : {}),
});
/** Time kept back from the function's timeout to send the answer. */
const ANSWER_MARGIN_MS = 10_000;

type Outcome = Parameters<typeof customResourceResponse>[1];

/**
 * Custom resource `Custom::LogObjectsNotification`. On create and update: a preflight (the bucket
 * is in the stack's region and holds objects under the prefix), then the bucket's notification
 * configuration as the trigger needs it: cleartrail's one queue entry (`s3`, refused when another
 * entry overlaps), EventBridge delivery on (`eventbridge`), or nothing (`cloudtrail-sns`). On
 * delete: its own entry goes, found by Id and queue ARN. Other entries are never changed. It
 * always answers, FAILED before its own timeout at the latest.
 */
export const handler = middy(async (event: CloudFormationCustomResourceEvent, context: Context) => {
  let outcome: Outcome;
  try {
    outcome = await withinDeadline(
      apply(event),
      context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS,
      `${event.RequestType} of ${event.LogicalResourceId}`,
    );
  } catch (error) {
    logger.error('bucket notification not changed', { requestType: event.RequestType, error: error as Error });
    outcome = { status: 'FAILED', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  await sendCustomResourceResponse(event.ResponseURL, customResourceResponse(event, outcome));
}).use(injectLambdaContext(logger));

async function apply(event: CloudFormationCustomResourceEvent): Promise<Outcome> {
  if (event.RequestType === 'Delete') {
    let wanted: ReturnType<typeof parseLogObjectsNotification>;
    try {
      wanted = parseLogObjectsNotification(event.ResourceProperties);
    } catch {
      // Properties that never parsed never wrote anything; failing here would block the stack's deletion.
      return { status: 'SUCCESS', physicalResourceId: event.PhysicalResourceId };
    }
    // By Id and queue ARN, whatever the physical id: a failed create's Delete carries a made-up one.
    await update(wanted.bucket, (current) => ({ next: withoutLogObjectsNotification(current, wanted) })).catch(
      (error: unknown) => {
        // A bucket deleted before the stack took its notification configuration with it.
        if ((error as Error).name !== 'NoSuchBucket') throw error;
      },
    );
    return { status: 'SUCCESS', physicalResourceId: event.PhysicalResourceId };
  }
  const wanted = parseLogObjectsNotification(event.ResourceProperties);
  const stackRegion = process.env.AWS_REGION ?? 'us-east-1';
  const problems = preflightProblems(await readBucketFacts(s3, wanted), stackRegion);
  if (problems.length > 0) return { status: 'FAILED', reason: problems.join('; ') };
  const refusal = await update(wanted.bucket, (current) => plannedNotificationConfiguration(current, wanted));
  if (refusal) return { status: 'FAILED', reason: refusal };
  // Stable across triggers and updates: a changed physical id would make CloudFormation send a
  // Delete, with the old properties, for the entry it has just written.
  return { status: 'SUCCESS', physicalResourceId: `${wanted.bucket}/${wanted.id}` };
}

/** Reads, changes and writes back the configuration; the refusal of `change`, if any. */
async function update(
  bucket: string,
  change: (current: NotificationConfiguration) => { next: NotificationConfiguration } | { refusal: string },
): Promise<string | undefined> {
  const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const planned = change(current);
  if ('refusal' in planned) return planned.refusal;
  if (sameNotificationConfiguration(current, planned.next)) {
    logger.info('bucket notification already as wanted', { bucket });
    return undefined;
  }
  // S3 sends an s3:TestEvent to the queue here and refuses the change if it cannot (queue policy).
  await s3.send(
    new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: planned.next }),
  );
  logger.info('bucket notification updated', { bucket });
  return undefined;
}
