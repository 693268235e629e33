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
import {
  EXPECTED_ACCESS_LOG_BUCKETS,
  EXPECTED_ACCESS_LOG_OBJECTS,
  SAMPLE_ACCESS_LOGS,
} from '../support/sample-access-logs';
import { contract, EXPECTED_BUCKETS, SAMPLE_LOGS } from '../support/sample-logs';

/** One SQS message per object, as LogObjectsQueue delivers S3 notifications (keys URL-encoded). */
function sqsBatch(objects: ReadonlyArray<{ bucket: string; key: string }>): unknown {
  const template = JSON.parse(readFileSync(path.join(__dirname, '../../events/s3-put.json'), 'utf8'));
  const record = template.Records[0];
  return {
    Records: objects.map(({ bucket, key }, index) => ({
      eventSource: 'aws:sqs',
      messageId: `message-${index}`,
      body: JSON.stringify({
        Records: [
          {
            ...record,
            s3: {
              ...record.s3,
              bucket: { ...record.s3.bucket, name: bucket },
              object: { ...record.s3.object, key: encodeURIComponent(key).replace(/%2F/g, '/') },
            },
          },
        ],
      }),
    })),
  };
}

describe('Handler: processLog with access logs configured, on s3rver and DynamoDB Local', () => {
  const trail = uniqueName('trail');
  const accessLogs = uniqueName('access');
  const objects: Array<{ bucket: string; key: string }> = [];
  let table: string;
  let handler: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    // Prepare: the CloudTrail samples in the trail bucket, the access-log samples under the
    // access-log prefix of another bucket (both of S3's layouts), and the function's environment.
    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: trail }));
    await s3.send(new CreateBucketCommand({ Bucket: accessLogs }));
    for (const name of readdirSync(SAMPLE_LOGS).filter((n) => n.endsWith('.json'))) {
      const key = `AWSLogs/${name.slice(0, 12)}/CloudTrail/us-east-1/2025/03/10/${name}.gz`;
      await s3.send(
        new PutObjectCommand({ Bucket: trail, Key: key, Body: gzipSync(readFileSync(path.join(SAMPLE_LOGS, name))) }),
      );
      objects.push({ bucket: trail, key });
    }
    for (const { path: name } of EXPECTED_ACCESS_LOG_OBJECTS) {
      const key = `logs/${name}`;
      await s3.send(
        new PutObjectCommand({ Bucket: accessLogs, Key: key, Body: readFileSync(path.join(SAMPLE_ACCESS_LOGS, name)) }),
      );
      objects.push({ bucket: accessLogs, key });
    }
    table = await freshTable();
    Object.assign(process.env, {
      CLEARTRAIL_TABLE: table,
      CLEARTRAIL_LOG_BUCKET: trail,
      CLEARTRAIL_LOG_PREFIX: 'AWSLogs/',
      CLEARTRAIL_ACCESS_LOG_BUCKET: accessLogs,
      CLEARTRAIL_ACCESS_LOG_PREFIX: 'logs/',
      CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true',
      ...QUIET_POWERTOOLS,
    });
    ({ handler } = await import('../../handlers/process-log'));
  });

  it('counts each queued object exactly once, an access-log object delivered twice included, and reports each bucket from its source', async () => {
    // Prepare: S3 notifications are at-least-once: one access-log object arrives twice in the batch.
    const duplicate = objects.find((o) => o.bucket === accessLogs) as { bucket: string; key: string };
    const batch = sqsBatch([...objects, duplicate, { bucket: accessLogs, key: 'logs/readme.txt' }]);

    // Act: the batch, then the same batch delivered again.
    const first = await handler(batch, lambdaContext);
    const second = await handler(batch, lambdaContext);

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    const store = new AggregateStore(testDynamoDbClient(), table);
    const reports = await loadBucketReports(store, { window: {} });
    const expected = [
      ...EXPECTED_BUCKETS.map((bucket) => ({ ...bucket, source: 'cloudtrail' })),
      ...EXPECTED_ACCESS_LOG_BUCKETS.filter((bucket) => bucket.bucket !== 'acme-data'),
    ].sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
    expect(reports.map((report) => ({ ...contract([report])[0], source: report.source }))).toEqual(expected);
    const acmeData = reports.find((report) => report.bucket === 'acme-data');
    expect(acmeData?.bySource).toEqual({
      cloudtrail: { http: 10, https: 5, service: 2, unknown: 1 },
      'access-log': { http: 2, https: 1, service: 0, unknown: 0 },
    });
    const accessOnly = await loadBucketReports(store, { bucket: 'acme-data', window: {}, source: 'access-log' });
    expect(contract(accessOnly)).toEqual(contract([EXPECTED_ACCESS_LOG_BUCKETS[0] as Record<string, unknown>]));
    expect(await store.listFailures()).toEqual([]);
  });

  it('records a truncated access-log object as failed and counts nothing of it', async () => {
    // Prepare
    const key = 'logs/2025-03-10-12-00-01-0F1E2D3C4B5A6978';
    const good = readFileSync(path.join(SAMPLE_ACCESS_LOGS, '2025-03-10-11-00-44-A7F3C9E15B2D8046'), 'utf8');
    await testS3Client().send(
      new PutObjectCommand({ Bucket: accessLogs, Key: key, Body: `${good}${good.split('\n')[0]?.slice(0, 120)}` }),
    );
    const store = new AggregateStore(testDynamoDbClient(), table);
    const before = await loadBucketReports(store, { window: {} });

    // Act
    const response = await handler(sqsBatch([{ bucket: accessLogs, key }]), lambdaContext);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await loadBucketReports(store, { window: {} })).toEqual(before);
    const [failure] = await store.listFailures();
    expect(failure).toMatchObject({ code: 'truncated', location: `s3://${accessLogs}/${key}` });
    expect(failure?.message).toMatch(/line 7 ends without a newline/);
  });
});
