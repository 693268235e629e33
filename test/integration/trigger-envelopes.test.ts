/**
 * The two trigger shapes a first deployment into a real account meets: an S3 notification of a
 * versioned trail bucket (each object named with its versionId) and an SNS envelope inside an SQS
 * body (the trail's topic subscribed without raw message delivery), through the real handler,
 * s3rver and DynamoDB Local. s3rver implements no versioning (it answers NotImplemented to
 * ?versioning and serves the current object whatever versionId is asked): a recording HTTP
 * relay in front of it shows that the handler's GetObject names the version on the wire.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBucketReports } from '../../lib/report/queries';
import { AggregateStore } from '../../lib/store';
import { localEndpoints, testDynamoDbClient, testS3Client, uniqueName } from '../support/aws';
import { freshTable } from '../support/counting';
import { lambdaContext, QUIET_POWERTOOLS } from '../support/lambda-context';
import { contract, EXPECTED_BUCKETS, SAMPLE_LOGS } from '../support/sample-logs';

const EVENTS = path.join(__dirname, '../../events');
const sample = (name: string) => JSON.parse(readFileSync(path.join(EVENTS, name), 'utf8'));

/** Forwards every request to s3rver and keeps the path and query of each GET. */
async function startRecordingRelay(
  target: string,
): Promise<{ endpoint: string; gets: string[]; stop(): Promise<void> }> {
  const upstream = new URL(target);
  const gets: string[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    if (incoming.method === 'GET' && incoming.url) gets.push(decodeURIComponent(incoming.url));
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    gets,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('Handler: processLog, versioned keys and SNS-enveloped SQS messages', () => {
  const bucket = uniqueName('versioned-trail');
  const keys: string[] = [];
  let table: string;
  let handler: (event: unknown, context: Context) => Promise<unknown>;
  let relay: Awaited<ReturnType<typeof startRecordingRelay>>;

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
    relay = await startRecordingRelay(localEndpoints().s3);
    table = await freshTable();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: relay.endpoint,
      CLEARTRAIL_TABLE: table,
      CLEARTRAIL_LOG_BUCKET: bucket,
      CLEARTRAIL_LOG_PREFIX: 'AWSLogs/',
      CLEARTRAIL_ALERT_TOPIC_ARN: '',
      CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true',
      ...QUIET_POWERTOOLS,
    });
    ({ handler } = await import('../../handlers/process-log'));
  });

  afterAll(async () => {
    await relay.stop();
  });

  /** One SQS batch: the first two logs by versioned S3 notifications, the rest by CloudTrail through an SNS envelope. */
  function sqsBatch(): unknown {
    const versioned = sample('s3-put-versioned.json').Records[0];
    const enveloped = sample('sqs-sns-envelope.json').Records[0];
    const envelope = JSON.parse(enveloped.body);
    const s3Messages = keys.slice(0, 2).map((key, index) => ({
      ...enveloped,
      messageId: `versioned-${index}`,
      body: JSON.stringify({
        Records: [
          {
            ...versioned,
            s3: {
              ...versioned.s3,
              bucket: { ...versioned.s3.bucket, name: bucket },
              object: { ...versioned.s3.object, key, versionId: `v${index}.example-version` },
            },
          },
        ],
      }),
    }));
    const snsMessage = {
      ...enveloped,
      messageId: 'enveloped',
      body: JSON.stringify({ ...envelope, Message: JSON.stringify({ s3Bucket: bucket, s3ObjectKey: keys.slice(2) }) }),
    };
    return { Records: [...s3Messages, snsMessage] };
  }

  it('counts the sample logs exactly, asks S3 for the named versions, and counts nothing twice on redelivery', async () => {
    // Act
    const first = await handler(sqsBatch(), lambdaContext);
    const again = await handler(sqsBatch(), lambdaContext);

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    const reports = await loadBucketReports(new AggregateStore(testDynamoDbClient(), table), { window: {} });
    expect(contract(reports)).toEqual(EXPECTED_BUCKETS);
    const objectGets = relay.gets.filter((url) => url.includes('/CloudTrail/'));
    for (const [index, key] of keys.slice(0, 2).entries()) {
      expect(objectGets).toContainEqual(
        expect.stringMatching(new RegExp(`${key}\\?.*versionId=v${index}\\.example-version`)),
      );
    }
    for (const key of keys.slice(2)) {
      const gets = objectGets.filter((url) => url.includes(key));
      expect(gets.length, key).toBeGreaterThan(0);
      for (const url of gets) expect(url).not.toContain('versionId');
    }
  });
});
