/**
 * The custom resource behind Custom::LogObjectsNotification, against s3rver: the facts its
 * preflight reads (GetBucketLocation, the listings), and the handler answering CloudFormation
 * through a local HTTP server standing in for the pre-signed ResponseURL. s3rver implements no
 * notification configuration (it answers NotImplemented), so what runs end to end here is the
 * preflight and the rule that every failure, a timeout included, is answered as FAILED. s3rver
 * also fails a truncated listing (MaxKeys 1 over two keys: InternalError) and finds a common
 * prefix (with Delimiter "/") only for a key right below it: the organisation folders here hold
 * a marker object beside the delivery files, which S3 would not need.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBucketFacts } from '../../lib/lambda/bucket-facts';
import { testS3Client, uniqueName } from '../support/aws';
import { lambdaContext, QUIET_POWERTOOLS } from '../support/lambda-context';

const ORG_KEY =
  'o-abc123defg/AWSLogs/o-abc123defg/111122223333/CloudTrail/us-east-1/2026/12/04/111122223333_CloudTrail_us-east-1_20261204T0005Z_a1b2.json.gz';
/** For s3rver only (see above): a key right below the organisation folder. */
const ORG_MARKER = 'o-abc123defg/marker';
const ACCOUNT_KEY =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/04/111122223333_CloudTrail_us-east-1_20261204T0005Z_a1b2.json.gz';

/** Records the answers PUT to it, as CloudFormation's response URL would receive them. */
async function startResponseServer(): Promise<{ url: string; answers: unknown[]; stop(): Promise<void> }> {
  const answers: unknown[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      answers.push(JSON.parse(body));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/answer`,
    answers,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('Function: readBucketFacts against s3rver', () => {
  const trail = uniqueName('facts-trail');
  const org = uniqueName('facts-org');
  const empty = uniqueName('facts-empty');

  beforeAll(async () => {
    const s3 = testS3Client();
    for (const bucket of [trail, org, empty]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: trail, Key: ACCOUNT_KEY, Body: gzipSync('{"Records":[]}') }));
    await s3.send(new PutObjectCommand({ Bucket: org, Key: ORG_KEY, Body: gzipSync('{"Records":[]}') }));
    await s3.send(new PutObjectCommand({ Bucket: org, Key: ORG_MARKER, Body: '' }));
  });

  it('a trail bucket with a delivery file under the prefix: found, no folder listing needed', async () => {
    const facts = await readBucketFacts(testS3Client(), {
      bucket: trail,
      prefix: 'AWSLogs/',
      prefixParameter: 'logPrefix',
    });
    expect(facts).toEqual({
      bucket: trail,
      locationConstraint: undefined,
      prefix: 'AWSLogs/',
      prefixParameter: 'logPrefix',
      hasObjectUnderPrefix: true,
      topLevelFolders: [],
    });
  });

  it('an organisation trail under its own folder: nothing under AWSLogs/, the top-level folders listed', async () => {
    const facts = await readBucketFacts(testS3Client(), {
      bucket: org,
      prefix: 'AWSLogs/',
      prefixParameter: 'logPrefix',
    });
    expect(facts.hasObjectUnderPrefix).toBe(false);
    expect(facts.topLevelFolders).toEqual(['o-abc123defg/']);
  });

  it('an empty prefix lists the whole bucket; an empty bucket has no folders', async () => {
    const whole = await readBucketFacts(testS3Client(), {
      bucket: trail,
      prefix: '',
      prefixParameter: 'accessLogPrefix',
    });
    expect(whole.hasObjectUnderPrefix).toBe(true);
    const nothing = await readBucketFacts(testS3Client(), {
      bucket: empty,
      prefix: 'AWSLogs/',
      prefixParameter: 'logPrefix',
    });
    expect(nothing).toMatchObject({ hasObjectUnderPrefix: false, topLevelFolders: [] });
  });
});

describe('Handler: bucket notification custom resource against s3rver', () => {
  const org = uniqueName('cr-org');
  const trail = uniqueName('cr-trail');
  let responses: Awaited<ReturnType<typeof startResponseServer>>;
  let handler: (event: CloudFormationCustomResourceEvent, context: Context) => Promise<unknown>;

  const request = (
    requestType: 'Create' | 'Delete',
    properties: Record<string, string>,
  ): CloudFormationCustomResourceEvent =>
    ({
      RequestType: requestType,
      ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:cleartrail-test-logObjectsNotification',
      ResponseURL: responses.url,
      StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/cleartrail-test/1',
      RequestId: `req-${responses.answers.length}`,
      LogicalResourceId: 'LogObjectsNotification',
      ResourceType: 'Custom::LogObjectsNotification',
      ...(requestType === 'Delete' ? { PhysicalResourceId: 'LogObjectsNotification-req-0' } : {}),
      ResourceProperties: {
        ServiceToken: 'x',
        Id: 'cleartrail-test-log-objects',
        QueueArn: 'arn:aws:sqs:us-east-1:111122223333:cleartrail-test-log-objects',
        Prefix: 'AWSLogs/',
        Suffix: '.json.gz',
        Trigger: 's3',
        PrefixParameter: 'logPrefix',
        ...properties,
      },
    }) as CloudFormationCustomResourceEvent;
  const lastAnswer = () => responses.answers.at(-1) as { Status: string; Reason?: string; PhysicalResourceId: string };

  beforeAll(async () => {
    const s3 = testS3Client();
    for (const bucket of [org, trail]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: org, Key: ORG_KEY, Body: gzipSync('{"Records":[]}') }));
    await s3.send(new PutObjectCommand({ Bucket: org, Key: ORG_MARKER, Body: '' }));
    await s3.send(new PutObjectCommand({ Bucket: trail, Key: ACCOUNT_KEY, Body: gzipSync('{"Records":[]}') }));
    responses = await startResponseServer();
    Object.assign(process.env, { CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true', ...QUIET_POWERTOOLS });
    ({ handler } = await import('../../handlers/bucket-notification'));
  });

  afterAll(async () => {
    await responses.stop();
  });

  it('a Create on an organisation trail bucket fails its preflight, saying which logPrefix to set', async () => {
    await handler(request('Create', { Bucket: org }), lambdaContext);

    expect(lastAnswer()).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'LogObjectsNotification-req-0' });
    expect(lastAnswer().Reason).toBe(
      `no object under s3://${org}/AWSLogs/, but the bucket has the organisation trail folder o-abc123defg/: set --param="logPrefix=o-abc123defg/AWSLogs/"`,
    );
  });

  it('a Create that passes the preflight answers FAILED with the error S3 gives (s3rver has no notification API)', async () => {
    await handler(request('Create', { Bucket: trail }), lambdaContext);

    expect(lastAnswer().Status).toBe('FAILED');
    expect(lastAnswer().Reason).toMatch(/^NotImplemented: /);
  });

  it('answers FAILED when the time left runs out, before Lambda would stop it without a word', async () => {
    // 10 s left is exactly the margin kept for the answer: no time for the work at all.
    const noTimeLeft = { ...lambdaContext, getRemainingTimeInMillis: () => 10_000 } as Context;

    await handler(request('Create', { Bucket: trail }), noTimeLeft);

    expect(lastAnswer().Status).toBe('FAILED');
    expect(lastAnswer().Reason).toBe('Error: Create of LogObjectsNotification did not finish within 0 s');
  });

  it('a Delete whose properties never parsed answers SUCCESS, so the stack can be deleted', async () => {
    await handler(request('Delete', { Bucket: '' }), lambdaContext);

    expect(lastAnswer()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'LogObjectsNotification-req-0' });
  });
});
