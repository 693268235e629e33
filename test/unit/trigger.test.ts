import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidTriggerError } from '../../lib/core/errors';
import { routeLogObject, skipReason } from '../../lib/lambda/log-route';
import { decodeS3EventKey, parseTrigger } from '../../lib/lambda/triggers';

const event = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8'));

describe('Function: decodeS3EventKey', () => {
  it.each([
    ['red+flower.jpg', 'red flower.jpg'],
    ['a%2Bb.json.gz', 'a+b.json.gz'],
    [
      'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/x.json.gz',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/x.json.gz',
    ],
    ['caf%C3%A9%3D1', 'café=1'],
  ])('decodes %s', (encoded, decoded) => {
    expect(decodeS3EventKey(encoded)).toBe(decoded);
  });

  it('refuses broken percent-encoding with the key in the message', () => {
    expect(() => decodeS3EventKey('bad%E0%A4%A')).toThrow(/bad%E0%A4%A.*not valid URL encoding/);
  });
});

describe('Function: skipReason', () => {
  const log =
    'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T1005Z_abcdEFGH12345678.json.gz';
  it('accepts a CloudTrail delivery key', () => {
    expect(skipReason(log, 'AWSLogs/')).toBeUndefined();
    expect(skipReason(`org/${log.replace('AWSLogs/', 'AWSLogs/o-abc123/')}`, 'org/AWSLogs/')).toBeUndefined();
  });
  it.each([
    ['AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/20/x.json.gz', /digest/],
    ['AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/11/20/x.json.gz', /Insights/],
    ['other/111122223333/CloudTrail/us-east-1/2026/11/20/x.json.gz', /outside the log prefix/],
    ['AWSLogs/111122223333/elasticloadbalancing/us-east-1/x.log.gz', /not under a CloudTrail/],
    ['AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/x.txt', /not a .json/],
  ])('skips %s', (key, reason) => {
    expect(skipReason(key, 'AWSLogs/')).toMatch(reason);
  });
});

describe('Function: routeLogObject', () => {
  const trailKey =
    'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T1005Z_abcdEFGH12345678.json.gz';
  const locations = { logBucket: 'trail', logPrefix: 'AWSLogs/', accessLogs: { bucket: 'access', prefix: 'logs/' } };

  it.each([
    ['trail', trailKey, { format: 'cloudtrail' }],
    ['access', 'logs/2026-11-20-10-05-12-8D41B7C2E9F03A15', { format: 'access-log' }],
    [
      'access',
      'logs/111122223333/us-east-1/acme/2026/11/20/2026-11-20-10-05-12-8D41B7C2E9F03A15',
      { format: 'access-log' },
    ],
    ['access', 'logs/notes.txt', { skip: 'not named like an S3 access-log object' }],
    [
      'access',
      'other/2026-11-20-10-05-12-8D41B7C2E9F03A15',
      { skip: 'not the configured log bucket "trail or access"' },
    ],
    ['elsewhere', trailKey, { skip: 'not the configured log bucket "trail or access"' }],
  ])('routes s3://%s/%s by configuration and key shape', (bucket, key, expected) => {
    expect(routeLogObject({ bucket, key }, locations)).toEqual(expected);
  });

  it('tells the two apart when access logs go to the trail bucket under another prefix', () => {
    const shared = { ...locations, accessLogs: { bucket: 'trail', prefix: 'access/' } };
    expect(routeLogObject({ bucket: 'trail', key: 'access/2026-11-20-10-05-12-8D41B7C2E9F03A15' }, shared)).toEqual({
      format: 'access-log',
    });
    expect(routeLogObject({ bucket: 'trail', key: trailKey }, shared)).toEqual({ format: 'cloudtrail' });
    expect(routeLogObject({ bucket: 'trail', key: 'access/readme' }, shared)).toEqual({
      skip: 'outside the log prefix "AWSLogs/"',
    });
  });

  it('reads no access log when none is configured', () => {
    const key = 'logs/2026-11-20-10-05-12-8D41B7C2E9F03A15';
    expect(routeLogObject({ bucket: 'trail', key }, { logBucket: 'trail', logPrefix: '' })).toEqual({
      skip: 'not under a CloudTrail/ folder',
    });
  });
});

describe('Function: parseTrigger', () => {
  it('reads an S3 notification and decodes its key', () => {
    const trigger = parseTrigger({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'trail' }, object: { key: 'AWSLogs/a+b%2Bc.json.gz' } },
        },
      ],
    });
    expect(trigger).toEqual({
      kind: 'objects',
      source: 's3',
      objects: [{ bucket: 'trail', key: 'AWSLogs/a b+c.json.gz' }],
    });
  });

  it('ignores S3 records that are not ObjectCreated', () => {
    const trigger = parseTrigger({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectRemoved:Delete',
          s3: { bucket: { name: 'trail' }, object: { key: 'k' } },
        },
      ],
    });
    expect(trigger).toEqual({ kind: 'objects', source: 's3', objects: [] });
  });

  it('recognises the s3:TestEvent and names no object', () => {
    expect(parseTrigger(event('s3-test-event.json'))).toEqual({ kind: 'objects', source: 's3-test', objects: [] });
  });

  it('reads every sample event in events/', () => {
    // Prepare
    const samples = {
      's3-put.json': 'objects',
      'sqs-s3.json': 'sqs',
      'eventbridge-object-created.json': 'objects',
      'batch-operations-1.0.json': 'batch',
      'batch-operations-2.0.json': 'batch',
      'cloudtrail-sns.json': 'objects',
      's3-put-versioned.json': 'objects',
      'sqs-sns-envelope.json': 'sqs',
      'sqs-eventbridge.json': 'sqs',
      'sqs-cloudtrail-raw.json': 'sqs',
    };

    for (const [file, kind] of Object.entries(samples)) {
      // Act
      const trigger = parseTrigger(event(file));

      // Assess
      expect(trigger.kind, file).toBe(kind);
      const objects =
        trigger.kind === 'batch'
          ? trigger.tasks.map((t) => t.object)
          : trigger.kind === 'sqs'
            ? trigger.messages.flatMap((m) => m.objects)
            : trigger.objects;
      expect(objects.length, file).toBeGreaterThan(0);
      for (const object of objects) {
        expect(object.bucket, file).toMatch(/^[a-z0-9.-]+$/);
        expect(object.key, file).not.toMatch(/%[0-9A-F]{2}/);
      }
    }
  });

  it('reads S3 Batch Operations schema 1.0 (bucket ARN, encoded key) and 2.0 (bucket name)', () => {
    const v1 = parseTrigger({
      invocationSchemaVersion: '1.0',
      invocationId: 'inv-1',
      job: { id: 'job-1' },
      tasks: [{ taskId: 't1', s3Key: 'AWSLogs/x+y.json.gz', s3VersionId: null, s3BucketArn: 'arn:aws:s3:::trail' }],
    });
    expect(v1).toEqual({
      kind: 'batch',
      schemaVersion: '1.0',
      invocationId: 'inv-1',
      tasks: [{ taskId: 't1', object: { bucket: 'trail', key: 'AWSLogs/x y.json.gz' } }],
    });
    const v2 = parseTrigger({
      invocationSchemaVersion: '2.0',
      invocationId: 'inv-2',
      job: { id: 'job-2', userArguments: {} },
      tasks: [{ taskId: 't2', s3Bucket: 'trail', s3Key: 'k.json.gz', s3VersionId: 'v1' }],
    });
    expect(v2).toEqual({
      kind: 'batch',
      schemaVersion: '2.0',
      invocationId: 'inv-2',
      tasks: [{ taskId: 't2', object: { bucket: 'trail', key: 'k.json.gz', versionId: 'v1' } }],
    });
  });

  it('unwraps an S3 notification sent through SNS', () => {
    const s3Notification = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'trail' }, object: { key: 'a%3Db' } },
        },
      ],
    };
    const trigger = parseTrigger({
      Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify(s3Notification) } }],
    });
    expect(trigger).toEqual({ kind: 'objects', source: 'sns', objects: [{ bucket: 'trail', key: 'a=b' }] });
  });

  it.each([
    [null, /event must be a JSON object, got null/],
    [{ hello: 'world' }, /not an S3 notification/],
    [
      { Records: [{ eventSource: 'aws:s3', s3: { bucket: {}, object: { key: 'k' } } }] },
      /Records\[0\]\.s3\.bucket\.name: expected a non-empty string/,
    ],
    [{ invocationSchemaVersion: '3.0' }, /invocationSchemaVersion "3.0"/],
    [
      {
        invocationSchemaVersion: '1.0',
        invocationId: 'i',
        tasks: [{ taskId: 't', s3Key: 'k', s3BucketArn: 'arn:aws:iam::1:role/x' }],
      },
      /not an S3 bucket ARN/,
    ],
    [{ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: {} }, /is not "Object Created"/],
  ])('refuses a malformed event with a message that says where: %j', (input, message) => {
    expect(() => parseTrigger(input)).toThrow(InvalidTriggerError);
    expect(() => parseTrigger(input)).toThrow(message);
  });
});

describe('Function: parseTrigger, SNS envelope in an SQS body (subscription without raw delivery)', () => {
  const trailKey =
    'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/111122223333_CloudTrail_us-east-1_20250310T0925Z_4vT9qLm2XcR8bN1k.json.gz';
  const sqs = (body: unknown) => ({
    Records: [
      { eventSource: 'aws:sqs', messageId: 'm1', body: typeof body === 'string' ? body : JSON.stringify(body) },
    ],
  });
  const envelope = (message: unknown) => ({
    Type: 'Notification',
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:trail',
    Message: typeof message === 'string' ? message : JSON.stringify(message),
  });

  it("reads CloudTrail's notification from events/sqs-sns-envelope.json", () => {
    expect(parseTrigger(event('sqs-sns-envelope.json'))).toEqual({
      kind: 'sqs',
      messages: [
        {
          messageId: '9f3c1a2b-4d5e-6f70-8192-a3b4c5d6e7f8',
          objects: [{ bucket: 'cleartrail-sample-trail', key: trailKey }],
        },
      ],
    });
  });

  it('reads an S3 notification in the envelope, key decoded and version kept', () => {
    const notification = event('s3-put-versioned.json') as { Records: { s3: { object: { key: string } } }[] };
    const first = notification.Records[0];
    if (first) first.s3.object.key = 'audit+logs/x.json.gz';
    const trigger = parseTrigger(sqs(envelope(notification)));
    expect(trigger).toEqual({
      kind: 'sqs',
      messages: [
        {
          messageId: 'm1',
          objects: [
            {
              bucket: 'cleartrail-sample-trail',
              key: 'audit logs/x.json.gz',
              versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
            },
          ],
        },
      ],
    });
  });

  it('says which part of the envelope is wrong, for that message only', () => {
    const broken = parseTrigger(sqs(envelope('{not json')));
    expect(broken).toEqual({
      kind: 'sqs',
      messages: [{ messageId: 'm1', objects: [], problem: 'Records[0].body.Message: not valid JSON' }],
    });
    const notObject = parseTrigger(sqs(envelope('[1]')));
    expect(notObject.kind === 'sqs' && notObject.messages[0]?.problem).toBe(
      'Records[0].body.Message: expected a JSON object',
    );
    const unknown = parseTrigger(sqs(envelope({ hello: 'world' })));
    expect(unknown.kind === 'sqs' && unknown.messages[0]?.problem).toMatch(
      /^Records\[0\]\.body\.Message: not an S3 notification/,
    );
  });

  it('reads a body with Type Notification but no TopicArn as the notification it is, not as an envelope', () => {
    const trigger = parseTrigger(sqs({ Type: 'Notification', Message: 'x' }));
    expect(trigger.kind === 'sqs' && trigger.messages[0]?.problem).toMatch(/^event: not an S3 notification/);
  });
});

describe('Function: parseTrigger, what each trigger parameter puts in the queue', () => {
  const trailKey =
    'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/111122223333_CloudTrail_us-east-1_20250310T0925Z_4vT9qLm2XcR8bN1k.json.gz';

  it('trigger=eventbridge: the rule puts the Object Created event itself in the body (events/sqs-eventbridge.json)', () => {
    expect(parseTrigger(event('sqs-eventbridge.json'))).toEqual({
      kind: 'sqs',
      messages: [
        {
          messageId: '4e1f6c0a-8b2d-4c3e-9f5a-6b7c8d9e0f10',
          objects: [{ bucket: 'cleartrail-sample-trail', key: trailKey }],
        },
      ],
    });
  });

  it('trigger=eventbridge: a versioned bucket names the version, and a key is taken as it is (not URL-decoded)', () => {
    const body = {
      ...(event('eventbridge-object-created.json') as Record<string, unknown>),
      detail: {
        bucket: { name: 'trail' },
        object: { key: 'audit logs/a+b.json.gz', 'version-id': 'Xy.3' },
      },
    };
    const trigger = parseTrigger({
      Records: [{ eventSource: 'aws:sqs', messageId: 'm1', body: JSON.stringify(body) }],
    });
    expect(trigger).toEqual({
      kind: 'sqs',
      messages: [{ messageId: 'm1', objects: [{ bucket: 'trail', key: 'audit logs/a+b.json.gz', versionId: 'Xy.3' }] }],
    });
  });

  it("trigger=cloudtrail-sns: raw delivery puts CloudTrail's notification in the body (events/sqs-cloudtrail-raw.json)", () => {
    expect(parseTrigger(event('sqs-cloudtrail-raw.json'))).toEqual({
      kind: 'sqs',
      messages: [
        {
          messageId: '2c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f',
          objects: [{ bucket: 'cleartrail-sample-trail', key: trailKey }],
        },
      ],
    });
  });

  it('trigger=cloudtrail-sns: raw and enveloped deliveries of one notification name the same objects', () => {
    const objects = (file: string) => {
      const trigger = parseTrigger(event(file));
      return trigger.kind === 'sqs' ? trigger.messages.map((message) => message.objects) : [];
    };
    expect(objects('sqs-cloudtrail-raw.json')).toEqual(objects('sqs-sns-envelope.json'));
  });

  it('trigger=cloudtrail-sns: every file of a notification naming several, keys as they are', () => {
    const body = { s3Bucket: 'trail', s3ObjectKey: ['AWSLogs/a b.json.gz', 'AWSLogs/c%2Bd.json.gz'] };
    const trigger = parseTrigger({
      Records: [{ eventSource: 'aws:sqs', messageId: 'm1', body: JSON.stringify(body) }],
    });
    expect(trigger.kind === 'sqs' && trigger.messages[0]?.objects).toEqual([
      { bucket: 'trail', key: 'AWSLogs/a b.json.gz' },
      { bucket: 'trail', key: 'AWSLogs/c%2Bd.json.gz' },
    ]);
  });
});

describe('Function: parseTrigger, one bad message in an SQS batch', () => {
  it('keeps the good messages and says what is wrong with the bad one', () => {
    const good = JSON.stringify({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'trail' }, object: { key: 'AWSLogs/x.json.gz' } },
    });
    const trigger = parseTrigger({
      Records: [
        { eventSource: 'aws:sqs', messageId: 'm1', body: 'not json' },
        { eventSource: 'aws:sqs', messageId: 'm2', body: good },
      ],
    });
    expect(trigger).toEqual({
      kind: 'sqs',
      messages: [
        { messageId: 'm1', objects: [], problem: expect.stringMatching(/Records\[0\]\.body: not valid JSON/) },
        { messageId: 'm2', objects: [{ bucket: 'trail', key: 'AWSLogs/x.json.gz' }] },
      ],
    });
  });
});
