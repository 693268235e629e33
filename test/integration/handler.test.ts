import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBucketReports } from '../../lib/report/queries';
import { AggregateStore } from '../../lib/store';
import { testDynamoDbClient, testS3Client, uniqueName } from '../support/aws';
import { freshTable } from '../support/counting';
import { lambdaContext, QUIET_POWERTOOLS } from '../support/lambda-context';
import { contract, EXPECTED_BUCKETS, SAMPLE_LOGS } from '../support/sample-logs';
import { type LocalSnsServer, startLocalSnsServer } from '../support/sns-server';

const EVENTS = path.join(__dirname, '../../events');

/** S3 URL-encodes notification keys, with + for a space. */
const encodeKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');

function s3Event(bucket: string, keys: string[]): unknown {
  const template = JSON.parse(readFileSync(path.join(EVENTS, 's3-put.json'), 'utf8'));
  const record = template.Records[0];
  return {
    Records: keys.map((key) => ({
      ...record,
      s3: {
        ...record.s3,
        bucket: { ...record.s3.bucket, name: bucket },
        object: { ...record.s3.object, key: encodeKey(key) },
      },
    })),
  };
}

describe('Handler: processLog, with s3rver and DynamoDB Local', () => {
  const bucket = uniqueName('trail');
  const keys: string[] = [];
  let table: string;
  let handler: (event: unknown, context: Context) => Promise<unknown>;
  let sns: LocalSnsServer;
  const topicArn = 'arn:aws:sns:us-east-1:111122223333:cleartrail-test-new-http-clients';

  beforeAll(async () => {
    // Prepare: the sample logs delivered into a trail bucket under CloudTrail's layout, with a
    // space in the trail prefix to prove the key decoding.
    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const name of readdirSync(SAMPLE_LOGS)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const account = name.slice(0, 12);
      const key = `audit logs/AWSLogs/${account}/CloudTrail/us-east-1/2025/03/10/${name}.gz`;
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(readFileSync(path.join(SAMPLE_LOGS, name))) }),
      );
      keys.push(key);
    }
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'audit logs/AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/broken.json.gz',
        Body: Buffer.from('not gzip, not json'),
      }),
    );
    table = await freshTable();
    sns = await startLocalSnsServer();
    Object.assign(process.env, {
      CLEARTRAIL_ALERT_TOPIC_ARN: topicArn,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      CLEARTRAIL_TABLE: table,
      CLEARTRAIL_LOG_BUCKET: bucket,
      CLEARTRAIL_LOG_PREFIX: 'audit logs/AWSLogs/',
      CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true',
      ...QUIET_POWERTOOLS,
    });
    ({ handler } = await import('../../handlers/process-log'));
  });

  afterAll(async () => {
    await sns.stop();
  });

  it('counts the sample logs named by a real S3 event exactly as events/README.md derives by hand', async () => {
    // Act
    const result = await handler(s3Event(bucket, keys), lambdaContext);

    // Assess
    expect(result).toEqual({ counted: 5, skipped: 0, failed: 0 });
    const reports = await loadBucketReports(new AggregateStore(testDynamoDbClient(), table), { window: {} });
    expect(contract(reports)).toEqual(EXPECTED_BUCKETS);
    const acmeData = reports.find((r) => r.bucket === 'acme-data');
    expect(acmeData?.findings).toEqual({ legacyTls: 1, sigV2: 1, presignedHttp: 1, ec2CredentialsOutsideAws: 0 });
    expect(reports.find((r) => r.bucket === 'acme-website')?.website).toEqual({ requests: 2, http: 2 });
    // Every plain-HTTP identity of the samples is new: one message, on the configured topic.
    expect(sns.published).toHaveLength(1);
    expect(sns.published[0]?.topicArn).toBe(topicArn);
    expect(sns.published[0]?.subject).toBe('cleartrail: 12 new plain-HTTP clients on 3 buckets');
  });

  it('answers a Batch Operations backfill that overlaps live processing: counted files succeed as already counted, nothing counts twice', async () => {
    // Prepare
    const batch = JSON.parse(readFileSync(path.join(EVENTS, 'batch-operations-2.0.json'), 'utf8'));
    const taskTemplate = batch.tasks[0];
    const broken = 'audit logs/AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/broken.json.gz';
    const digest = 'audit logs/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/03/10/x.json.gz';
    batch.tasks = [...keys, broken, digest].map((key, index) => ({
      ...taskTemplate,
      taskId: `task-${index}`,
      s3Bucket: bucket,
      s3Key: encodeKey(key),
      s3VersionId: null,
    }));

    // Act: the backfill and a duplicate live notification at the same time.
    const [response] = await Promise.all([
      handler(batch, lambdaContext),
      handler(s3Event(bucket, keys), lambdaContext),
    ]);

    // Assess
    const results = (response as { results: Array<{ taskId: string; resultCode: string; resultString: string }> })
      .results;
    expect(response).toMatchObject({
      invocationSchemaVersion: '2.0',
      treatMissingKeysAs: 'PermanentFailure',
      invocationId: batch.invocationId,
    });
    expect(results.slice(0, 5).map((r) => r.resultCode)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
    expect(results[5]).toMatchObject({ taskId: 'task-5', resultCode: 'PermanentFailure' });
    expect(results[5]?.resultString).toMatch(/broken\.json\.gz/);
    expect(results[6]).toMatchObject({ resultCode: 'Succeeded', resultString: expect.stringMatching(/^skipped/) });
    const store = new AggregateStore(testDynamoDbClient(), table);
    const reports = await loadBucketReports(store, { window: {} });
    expect(reports.map((r) => [r.bucket, r.http, r.https])).toEqual(
      EXPECTED_BUCKETS.map((e) => [e.bucket, e.http, e.https]),
    );
    const failures = await store.listFailures();
    expect(failures.map((f) => f.location)).toEqual([`s3://${bucket}/${broken}`]);
    // Nothing new was counted, so nothing new was announced.
    expect(sns.published).toHaveLength(1);
  });

  it('ignores the s3:TestEvent and skips digest and Insights objects', async () => {
    const test = JSON.parse(readFileSync(path.join(EVENTS, 's3-test-event.json'), 'utf8'));
    expect(await handler(test, lambdaContext)).toEqual({ counted: 0, skipped: 0, failed: 0 });
    const skipped = await handler(
      s3Event(bucket, [
        'audit logs/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/03/10/d.json.gz',
        'audit logs/AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2025/03/10/i.json.gz',
        'elsewhere/x.json.gz',
      ]),
      lambdaContext,
    );
    expect(skipped).toEqual({ counted: 0, skipped: 3, failed: 0 });
  });

  it('records an SQS message whose object is gone as a failed log, without asking SQS to deliver it again', async () => {
    const good = { eventSource: 'aws:sqs', messageId: 'good', body: JSON.stringify(s3Event(bucket, [keys[0] ?? ''])) };
    const otherBucket = {
      eventSource: 'aws:sqs',
      messageId: 'other-bucket',
      body: JSON.stringify(s3Event(bucket, ['audit logs/AWSLogs/1/CloudTrail/us-east-1/2025/03/10/missing.json.gz'])),
    };
    const response = await handler({ Records: [good, otherBucket] }, lambdaContext);
    // The missing object is a permanent failure: recorded, not retried, so not a batch item failure.
    expect(response).toEqual({ batchItemFailures: [] });
    const failures = await new AggregateStore(testDynamoDbClient(), table).listFailures();
    expect(failures.map((f) => f.code).sort()).toEqual(['missing-object', 'not-json']);
  });

  it('fails the invocation with a message naming the problem when the event is not one it knows', async () => {
    await expect(handler({ hello: 'world' }, lambdaContext)).rejects.toThrow(/not an S3 notification/);
  });
});
