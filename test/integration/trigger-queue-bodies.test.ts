/**
 * What trigger=eventbridge and trigger=cloudtrail-sns (raw delivery) put in the queue, through the
 * real handler, s3rver and DynamoDB Local: the EventBridge Object Created event as the body, and
 * CloudTrail's {"s3Bucket", "s3ObjectKey"} notification as the body. One batch of both counts the
 * sample logs exactly, and again nothing twice when it is delivered a second time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBucketReports } from '../../lib/report/queries';
import { AggregateStore } from '../../lib/store';
import { testDynamoDbClient, testS3Client, uniqueName } from '../support/aws';
import { freshTable } from '../support/counting';
import { lambdaContext, QUIET_POWERTOOLS } from '../support/lambda-context';
import { contract, EXPECTED_BUCKETS, SAMPLE_LOGS } from '../support/sample-logs';

const EVENTS = path.join(__dirname, '../../events');
const sample = (name: string) => JSON.parse(readFileSync(path.join(EVENTS, name), 'utf8'));

describe('Handler: processLog, the queue bodies of trigger=eventbridge and trigger=cloudtrail-sns', () => {
  const bucket = uniqueName('queue-bodies-trail');
  const keys: string[] = [];
  let table: string;
  let handler: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const name of readdirSync(SAMPLE_LOGS)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const key = `AWSLogs/${name.slice(0, 12)}/CloudTrail/us-east-1/2025/03/10/${name}.gz`;
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(readFileSync(path.join(SAMPLE_LOGS, name))) }),
      );
      keys.push(key);
    }
    table = await freshTable();
    Object.assign(process.env, {
      CLEARTRAIL_TABLE: table,
      CLEARTRAIL_LOG_BUCKET: bucket,
      CLEARTRAIL_LOG_PREFIX: 'AWSLogs/',
      CLEARTRAIL_ALERT_TOPIC_ARN: '',
      CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true',
      ...QUIET_POWERTOOLS,
    });
    ({ handler } = await import('../../handlers/process-log'));
  });

  /** The first two logs as EventBridge events (one message each), the rest in one raw CloudTrail notification. */
  function sqsBatch(): unknown {
    const eventBridge = sample('sqs-eventbridge.json').Records[0];
    const raw = sample('sqs-cloudtrail-raw.json').Records[0];
    const created = JSON.parse(eventBridge.body);
    const eventBridgeMessages = keys.slice(0, 2).map((key, index) => ({
      ...eventBridge,
      messageId: `eventbridge-${index}`,
      body: JSON.stringify({
        ...created,
        resources: [`arn:aws:s3:::${bucket}`],
        detail: { ...created.detail, bucket: { name: bucket }, object: { ...created.detail.object, key } },
      }),
    }));
    const cloudTrailMessage = {
      ...raw,
      messageId: 'cloudtrail-raw',
      body: JSON.stringify({ s3Bucket: bucket, s3ObjectKey: keys.slice(2) }),
    };
    return { Records: [...eventBridgeMessages, cloudTrailMessage] };
  }

  it('counts the sample logs exactly, and nothing twice on redelivery', async () => {
    // Act
    const first = await handler(sqsBatch(), lambdaContext);
    const again = await handler(sqsBatch(), lambdaContext);

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    const reports = await loadBucketReports(new AggregateStore(testDynamoDbClient(), table), { window: {} });
    expect(contract(reports)).toEqual(EXPECTED_BUCKETS);
  });
});
