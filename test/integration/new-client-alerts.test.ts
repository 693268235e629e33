/**
 * New plain-HTTP clients are announced exactly once, against DynamoDB Local, s3rver and a local
 * SNS server reached by the real `@aws-sdk/client-sns` through `AWS_ENDPOINT_URL_SNS`: across
 * duplicate deliveries, interrupted and retried invocations, batches, and concurrent invocations.
 */
import { gzipSync } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { httpIdentity } from '../../lib/core/http-identity';
import { snsAlertTopic } from '../../lib/lambda/alert-topic';
import { handleTrigger, type InvocationContext } from '../../lib/lambda/invocation';
import type { Trigger } from '../../lib/lambda/triggers';
import { parseNamedNetworks } from '../../lib/net/named-networks';
import { testDynamoDbClient, testS3Client, uniqueName } from '../support/aws';
import { countingContext, dumpAggregates, freshTable, injectFault } from '../support/counting';
import { httpsS3Record } from '../support/records';
import { type LocalSnsServer, startLocalSnsServer } from '../support/sns-server';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:cleartrail-test-new-http-clients';
const FAST_RETRIES = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
const NETWORKS = parseNamedNetworks('office=198.51.100.0/24');
const DATA = 'acme-data';
const SITE = 'acme-site';

interface Client {
  address: string;
  principal: string;
  userAgent: string;
  operation: string;
}
const alice: Client = {
  address: '203.0.113.24',
  principal: 'arn:aws:iam::111122223333:user/alice',
  userAgent: '[aws-cli/2.24.10]',
  operation: 'GetObject',
};
const bob: Client = {
  address: '54.250.112.45',
  principal: 'arn:aws:sts::111122223333:assumed-role/app-server/i-0a1b2c3d4e5f60718',
  userAgent: '[aws-sdk-java/2.30.1]',
  operation: 'PutObject',
};
/** Two addresses of the named network `office`, one principal: one HTTP identity. */
const officeA: Client = {
  address: '198.51.100.5',
  principal: 'arn:aws:iam::111122223333:user/carol',
  userAgent: 'Mozilla/5.0',
  operation: 'GetObject',
};
const officeB: Client = { ...officeA, address: '198.51.100.6', userAgent: '[Boto3/1.37.4]' };
const partner: Client = {
  address: '81.2.69.142',
  principal: 'arn:aws:iam::444455556666:user/partner-sync',
  userAgent: '[S3Browser/7.4.5]',
  operation: 'GetObject',
};

function httpRecord(bucket: string, time: string, id: string, client: Client): CloudTrailRecord {
  return httpsS3Record(bucket, time, id, {
    sourceIPAddress: client.address,
    userAgent: client.userAgent,
    eventName: client.operation,
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: client.principal, accountId: '111122223333' },
    tlsDetails: undefined,
    additionalEventData: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader' },
  });
}

/** A log's plain-HTTP requests: bucket, client and minute of 2025-03-10T10; plus one HTTPS request. */
type Visit = [bucket: string, client: Client, minute: number];

const LOGS: Record<string, Visit[]> = {
  a: [
    [DATA, alice, 5],
    [DATA, alice, 50],
    [DATA, bob, 7],
  ],
  b: [
    [DATA, alice, 12],
    [DATA, officeA, 20],
    [DATA, officeB, 21],
  ],
  c: [
    [SITE, alice, 30],
    [DATA, partner, 40],
  ],
  d: [
    [DATA, bob, 55],
    [SITE, officeB, 1],
  ],
  e: [[DATA, alice, 59]],
};

/** Identities (`bucket address-or-network principal`) the logs make new, in total. */
const NEW_CLIENTS = [
  `${DATA} ${alice.address} ${alice.principal}`,
  `${DATA} ${bob.address} ${bob.principal}`,
  `${DATA} office ${officeA.principal}`,
  `${SITE} ${alice.address} ${alice.principal}`,
  `${DATA} ${partner.address} ${partner.principal}`,
  `${SITE} office ${officeB.principal}`,
].sort();

function keyOf(log: string): string {
  const suffix = `${log}${'0'.repeat(15)}`;
  return `AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/111122223333_CloudTrail_us-east-1_20250310T1100Z_${suffix}.json.gz`;
}

function sqsTrigger(trailBucket: string, logs: readonly string[], prefix = 'message'): Trigger {
  return {
    kind: 'sqs',
    messages: logs.map((log, index) => ({
      messageId: `${prefix}-${index}`,
      objects: [{ bucket: trailBucket, key: keyOf(log) }],
    })),
  };
}

/** The identities an alert names, read back from its text. */
function identitiesIn(body: string): string[] {
  const found: string[] = [];
  for (const block of body.split('\n\n')) {
    const bucket = /^bucket: +(.+)$/m.exec(block)?.[1];
    const address = /^address: +(\S+) \(([^)]*)\)$/m.exec(block);
    const principal = /^principal: +(.+)$/m.exec(block)?.[1];
    if (!bucket || !address || !principal) continue;
    const network = /network (\S+)/.exec(address[2] as string)?.[1];
    found.push(`${bucket} ${network ?? address[1]} ${principal}`);
  }
  return found;
}

describe('Function: handleTrigger, alerts of new plain-HTTP clients', () => {
  const trailBucket = uniqueName('trail');
  let sns: LocalSnsServer;

  beforeAll(async () => {
    sns = await startLocalSnsServer();
    process.env.AWS_ENDPOINT_URL_SNS = sns.endpoint;
    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: trailBucket }));
    for (const [log, visits] of Object.entries(LOGS)) {
      const records = visits.map(([bucket, client, minute], index) =>
        httpRecord(bucket, `2025-03-10T10:${String(minute).padStart(2, '0')}:00Z`, `${log}-${index}`, client),
      );
      records.push(httpsS3Record(DATA, '2025-03-10T10:00:00Z', `${log}-https`));
      await s3.send(
        new PutObjectCommand({
          Bucket: trailBucket,
          Key: keyOf(log),
          Body: gzipSync(JSON.stringify({ Records: records })),
        }),
      );
    }
  });

  afterAll(async () => {
    await sns.stop();
  });

  /** An invocation as the Lambda builds it, with an SNS client configured from the environment only. */
  function invocation(client: DynamoDBClient, table: string, now?: () => Date) {
    const counts: Record<string, number> = {};
    const errors: string[] = [];
    const context: InvocationContext = {
      counting: countingContext(client, table, {
        chunkSize: 4,
        retry: FAST_RETRIES,
        networks: NETWORKS,
        ...(now ? { now } : {}),
      }),
      s3: testS3Client(),
      logBucket: trailBucket,
      logPrefix: 'AWSLogs/',
      log: { info: () => {}, warn: () => {}, error: (message) => errors.push(message) },
      metrics: {
        addMetric: (name, _unit, value) => {
          counts[name] = (counts[name] ?? 0) + value;
        },
      },
      alerts: { topic: snsAlertTopic(new SNSClient({}), TOPIC_ARN), table, region: 'us-east-1' },
    };
    return { context, counts, errors };
  }

  /** Messages sent since `from`, to our topic, and every identity they name. */
  function sentSince(from: number) {
    const messages = sns.published.slice(from);
    return { messages, identities: messages.flatMap((message) => identitiesIn(message.message)).sort() };
  }

  it('sends one message for the new clients of a batch, and none for known clients or duplicates', async () => {
    // Prepare
    const table = await freshTable();
    const { context, counts } = invocation(testDynamoDbClient(), table);
    const from = sns.published.length;

    // Act: a batch with two logs; the same batch again; a log of known clients only.
    const first = await handleTrigger(sqsTrigger(trailBucket, ['a', 'b']), context);
    const again = await handleTrigger(sqsTrigger(trailBucket, ['a', 'b']), context);
    const known = await handleTrigger(sqsTrigger(trailBucket, ['e']), context);

    // Assess
    expect([first, again, known]).toEqual([
      { batchItemFailures: [] },
      { batchItemFailures: [] },
      { batchItemFailures: [] },
    ]);
    const { messages, identities } = sentSince(from);
    expect(messages).toHaveLength(1);
    expect(identities).toEqual(
      [
        `${DATA} ${alice.address} ${alice.principal}`,
        `${DATA} ${bob.address} ${bob.principal}`,
        `${DATA} office ${officeA.principal}`,
      ].sort(),
    );
    const [message] = messages;
    expect(message?.topicArn).toBe(TOPIC_ARN);
    expect(message?.subject).toBe(`cleartrail: 3 new plain-HTTP clients on ${DATA}`);
    expect(message?.message).toContain(
      [
        `bucket:      ${DATA}`,
        `address:     ${alice.address} (external)`,
        `principal:   ${alice.principal}`,
        `user agent:  ${alice.userAgent}`,
        'first seen:  2025-03-10T10:05:00Z, GetObject',
        'outcome:     served over plain HTTP',
        'next:',
        `  npx cleartrail clients --table ${table} --region us-east-1 --bucket ${DATA} --since 2025-03-10T10:00Z`,
        `  npx cleartrail enforce-check --table ${table} --region us-east-1 --bucket ${DATA}`,
      ].join('\n'),
    );
    // The office client's first request came from its first address.
    expect(message?.message).toContain(`address:     ${officeA.address} (external, network office)`);
    // No request record: no event id, no raw JSON.
    expect(message?.message).not.toMatch(/eventID|a-0|\{"/);
    expect(counts.NewHttpClients).toBe(3);
    const listed = await context.counting.store.newHttpClients(DATA, {});
    expect(listed.map((client) => client.identity).sort()).toEqual(
      [alice, bob, officeA]
        .map((client) => httpIdentity({ ...client, ...(client === officeA ? { network: 'office' } : {}) }))
        .sort(),
    );
    expect(listed.every((client) => client.notifiedAt !== undefined)).toBe(true);
  });

  it('sends each new client once when 8 invocations deliver overlapping batches at once', async () => {
    // Prepare: every log in at least two batches, in different orders, as duplicate deliveries make them.
    const table = await freshTable();
    const batches = [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'a'],
      ['a', 'c', 'e'],
      ['d', 'b'],
      ['e', 'd', 'c', 'b', 'a'],
    ];
    const invocations = batches.map(() => invocation(testDynamoDbClient(), table));
    const from = sns.published.length;

    // Act
    const answers = await Promise.all(
      invocations.map(({ context }, index) =>
        handleTrigger(sqsTrigger(trailBucket, batches[index] as string[], `m${index}`), context),
      ),
    );

    // Assess: every new client in exactly one message, at most one message per invocation.
    expect(answers.every((answer) => (answer as { batchItemFailures: unknown[] }).batchItemFailures.length === 0)).toBe(
      true,
    );
    const { messages, identities } = sentSince(from);
    expect(identities).toEqual(NEW_CLIENTS);
    expect(messages.length).toBeLessThanOrEqual(batches.length);
    expect(invocations.reduce((sum, { counts }) => sum + (counts.NewHttpClients ?? 0), 0)).toBe(NEW_CLIENTS.length);
  });

  it('loses no count and sends the alert with the next invocation when publishing fails', async () => {
    // Prepare
    const table = await freshTable();
    const { context, counts, errors } = invocation(testDynamoDbClient(), table);
    const reference = await freshTable();
    await handleTrigger(sqsTrigger(trailBucket, ['c']), {
      ...invocation(testDynamoDbClient(), reference).context,
      alerts: undefined,
    });
    const from = sns.published.length;

    // Act: SNS answers 500 to every attempt of the first invocation.
    sns.failing = true;
    const failed = await handleTrigger(sqsTrigger(trailBucket, ['c']), context).finally(() => {
      sns.failing = false;
    });
    const afterFailure = sentSince(from).messages.length;
    const next = await handleTrigger(sqsTrigger(trailBucket, ['c'], 'redelivery'), context);

    // Assess: the batch was committed and acknowledged, the failure logged and measured, and the
    // next invocation (a duplicate delivery, which counts nothing) sent the alert.
    expect(failed).toEqual({ batchItemFailures: [] });
    expect(next).toEqual({ batchItemFailures: [] });
    expect(sns.failedCalls).toBeGreaterThan(0);
    expect(afterFailure).toBe(0);
    expect(errors).toContain('new-client alert not sent; the next invocation sends it');
    expect(counts.NewHttpClientAlertsFailed).toBe(1);
    expect(counts.NewHttpClients).toBe(2);
    const { messages, identities } = sentSince(from);
    expect(messages).toHaveLength(1);
    expect(identities).toEqual(
      [`${SITE} ${alice.address} ${alice.principal}`, `${DATA} ${partner.address} ${partner.principal}`].sort(),
    );
    expect(await dumpAggregates(testDynamoDbClient(), table)).toEqual(
      await dumpAggregates(testDynamoDbClient(), reference),
    );
  });

  describe('an invocation interrupted at any DynamoDB call, then delivered again', () => {
    let cleanCalls = 0;
    let cleanAggregates: Record<string, unknown> = {};

    beforeAll(async () => {
      const client = testDynamoDbClient();
      const table = await freshTable(client);
      const probe = injectFault(client, {});
      await handleTrigger(sqsTrigger(trailBucket, ['a', 'c', 'd']), invocation(client, table).context);
      cleanCalls = probe.calls();
      cleanAggregates = await dumpAggregates(client, table);
    });

    const FAULT_POINTS = Array.from({ length: 16 }, (_, index) => index + 1).flatMap((call) =>
      (['before', 'after'] as const).map((when) => ({ call, when })),
    );

    it('covers every call of a clean invocation', () => {
      expect(cleanCalls).toBeGreaterThan(4);
      expect(cleanCalls).toBeLessThanOrEqual(FAULT_POINTS.length / 2);
    });

    it.each(FAULT_POINTS)(
      'fault $when call $call: every new client alerted, once but for a crash before marking it sent',
      async ({ call, when }) => {
        // Prepare
        const client = testDynamoDbClient();
        const table = await freshTable(client);
        injectFault(client, { failAt: call, when });
        const from = sns.published.length;

        // Act: the interrupted invocation, then the redelivery of the same batch once any lease
        // the first one held has expired.
        await handleTrigger(sqsTrigger(trailBucket, ['a', 'c', 'd']), invocation(client, table).context);
        const later = () => new Date(Date.now() + 10 * 60_000);
        await handleTrigger(
          sqsTrigger(trailBucket, ['a', 'c', 'd']),
          invocation(testDynamoDbClient(), table, later).context,
        );

        // Assess: the last call of an invocation marks its alert sent; a crash just before it
        // leaves the alert unsent, so it goes out again: at most a duplicate, never a miss.
        const { identities } = sentSince(from);
        const expected = NEW_CLIENTS.filter((identity) => !identity.includes('office') || identity.startsWith(SITE));
        const repeats = call === cleanCalls && when === 'before' ? 2 : 1;
        expect(identities).toEqual(expected.flatMap((identity) => Array(repeats).fill(identity)).sort());
        expect(await dumpAggregates(testDynamoDbClient(), table)).toEqual(cleanAggregates);
      },
    );
  });
});
