import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { countLog } from '../../lib/count/pipeline';
import { localEndpoints, testDynamoDbClient } from '../support/aws';
import {
  bufferSource,
  countingContext,
  dumpAggregates,
  freshTable,
  hourCounters,
  InjectedFault,
  injectFault,
} from '../support/counting';
import { countAndKillAt } from '../support/kill';
import { syntheticRecords } from '../support/synthetic-log';

// Small chunks, so that one file needs many transactions and a fault can land between any two.
const CHUNK_SIZE = 6;
const FAST_RETRIES = { attempts: 6, baseDelayMs: 5, maxDelayMs: 50 };

/** A synthetic log where every ninth S3 record is a cross-account call with a sharedEventID. */
function logWithSharedEvents(records: number, seed: number): { bytes: Buffer; records: CloudTrailRecord[] } {
  const list: CloudTrailRecord[] = [];
  let s3 = 0;
  for (const { record, intended } of syntheticRecords({ records, seed })) {
    if (intended !== 'non-s3' && ++s3 % 9 === 0) record.sharedEventID = `shared-${seed}-${s3}`;
    list.push(record);
  }
  return { bytes: gzipSync(JSON.stringify({ Records: list })), records: list };
}

function newClient(): DynamoDBClient {
  return testDynamoDbClient();
}

describe('Exactly-once counting against DynamoDB Local', () => {
  const log = logWithSharedEvents(240, 11);
  const source = () => bufferSource('log-under-test', log.bytes);
  let truth: Record<string, unknown>;
  let callsOfOneRun: number;

  beforeAll(async () => {
    // Prepare: the ground truth is one clean processing of the file.
    const client = newClient();
    const table = await freshTable(client);
    const counter = injectFault(client, {});
    const result = await countLog(
      countingContext(client, table, { chunkSize: CHUNK_SIZE, retry: FAST_RETRIES }),
      source(),
    );
    expect(result.status).toBe('counted');
    callsOfOneRun = counter.calls();
    truth = await dumpAggregates(client, table);
    expect(Object.keys(truth).length).toBeGreaterThan(CHUNK_SIZE * 3);
  });

  it('counts a file delivered again, sequentially, once', async () => {
    // Prepare
    const client = newClient();
    const table = await freshTable(client);
    const context = countingContext(client, table, { chunkSize: CHUNK_SIZE, retry: FAST_RETRIES });

    // Act
    const first = await countLog(context, source());
    const second = await countLog(context, source());

    // Assess
    expect(first.status).toBe('counted');
    expect(second.status).toBe('already-counted');
    expect(await dumpAggregates(client, table)).toEqual(truth);
  });

  it.each(['before', 'after'] as const)(
    'equals one clean run when any single DynamoDB call fails %s it is sent and the invocation is retried',
    async (when) => {
      expect(callsOfOneRun).toBeGreaterThan(10);
      const failures: string[] = [];
      for (let failAt = 1; failAt <= callsOfOneRun; failAt++) {
        // Prepare
        const faulty = newClient();
        const table = await freshTable(faulty);
        injectFault(faulty, { failAt, when });

        // Act: the first invocation dies at call k, Lambda's retry runs on a healthy client.
        const first = await countLog(
          countingContext(faulty, table, { chunkSize: CHUNK_SIZE, retry: FAST_RETRIES }),
          source(),
        ).then(
          () => 'no fault',
          (error: Error) => (error instanceof InjectedFault ? 'fault' : `${error.name}: ${error.message}`),
        );
        const healthy = newClient();
        const retry = await countLog(
          countingContext(healthy, table, { chunkSize: CHUNK_SIZE, retry: FAST_RETRIES }),
          source(),
        );

        // Assess: every fault point is checked, and all the failing ones are reported together.
        if (first !== 'fault') failures.push(`call ${failAt}: first attempt ended with ${first}`);
        if (!['counted', 'completed', 'already-counted'].includes(retry.status))
          failures.push(`call ${failAt}: retry ended ${retry.status}`);
        const dump = await dumpAggregates(healthy, table);
        if (JSON.stringify(dump) !== JSON.stringify(truth)) failures.push(`call ${failAt}: aggregates differ`);
      }
      expect(failures).toEqual([]);
    },
    240_000,
  );

  it('equals one clean run when eight invocations count the same file at the same time', async () => {
    // Prepare
    const table = await freshTable();

    // Act
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        countLog(
          countingContext(newClient(), table, {
            chunkSize: CHUNK_SIZE,
            retry: { attempts: 30, baseDelayMs: 10, maxDelayMs: 200 },
          }),
          source(),
        ),
      ),
    );

    // Assess
    expect(results.filter((r) => r.status === 'counted')).toHaveLength(1);
    expect(results.every((r) => ['counted', 'completed', 'already-counted'].includes(r.status))).toBe(true);
    expect(await dumpAggregates(newClient(), table)).toEqual(truth);
  });

  it('equals one clean run after the process is killed (SIGKILL) at several points of its writes', async () => {
    // Prepare
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cleartrail-kill-')), 'log-under-test');
    writeFileSync(file, log.bytes);
    const points = [3, Math.floor(callsOfOneRun / 2), callsOfOneRun - 1].flatMap((call) => [
      { call, when: 'before' as const },
      { call, when: 'after' as const },
    ]);

    for (const point of points) {
      const table = await freshTable();
      // Act: freeze the child at the chosen call, then kill it the way Lambda ends a timed-out run.
      expect(await countAndKillAt(table, point, [file])).toBe('frozen');
      const client = newClient();
      const retry = await countLog(
        countingContext(client, table, { chunkSize: CHUNK_SIZE, retry: FAST_RETRIES }),
        source(),
      );

      // Assess
      expect(retry.status).toMatch(/^(counted|completed|already-counted)$/);
      expect(await dumpAggregates(client, table), `killed ${point.when} call ${point.call}`).toEqual(truth);
    }
  }, 120_000);

  it('retries throttled and conflicting writes and loses nothing', async () => {
    // Prepare: every third call is throttled once, with the errors DynamoDB sends.
    const client = newClient();
    const table = await freshTable(client);
    const names = ['ProvisionedThroughputExceededException', 'ThrottlingException', 'TransactionConflictException'];
    let calls = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        if (calls % 3 === 0) {
          const error = new Error('injected throttling') as Error & { $metadata: object };
          error.name = names[calls % names.length] ?? 'ThrottlingException';
          error.$metadata = { httpStatusCode: 400 };
          throw error;
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttle' },
    );

    // Act
    const result = await countLog(
      countingContext(client, table, { chunkSize: CHUNK_SIZE, retry: FAST_RETRIES }),
      source(),
    );

    // Assess
    expect(result.status).toBe('counted');
    expect(await dumpAggregates(newClient(), table)).toEqual(truth);
  });

  it('leaves the aggregates untouched by a file that is corrupt half-way, and records it as failed', async () => {
    // Prepare
    const client = newClient();
    const table = await freshTable(client);
    const context = countingContext(client, table, { chunkSize: CHUNK_SIZE, retry: FAST_RETRIES });
    await countLog(context, source());
    const truncated = log.bytes.subarray(0, Math.floor(log.bytes.length * 0.6));

    // Act
    const result = await countLog(context, bufferSource('truncated-copy', truncated));

    // Assess
    expect(result.status).toBe('failed');
    expect(await dumpAggregates(client, table)).toEqual(truth);
    const failures = await context.store.listFailures();
    expect(failures.map((f) => [f.logId, f.code])).toEqual([
      ['truncated-copy', result.status === 'failed' ? result.error.code : ''],
    ]);
  });
});

describe('Cross-account copies (same sharedEventID, different files)', () => {
  const base = {
    eventVersion: '1.10',
    eventSource: 's3.amazonaws.com',
    eventType: 'AwsApiCall',
    eventName: 'GetObject',
    eventTime: '2026-11-20T10:00:00Z',
    sourceIPAddress: '198.51.100.4',
    userAgent: 'aws-cli/2.15.0',
    userIdentity: {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::111111111111:assumed-role/reader/session',
      accountId: '111111111111',
    },
    requestParameters: { bucketName: 'shared-bucket' },
    additionalEventData: { SignatureVersion: 'SigV4' },
  };
  const requesterCopy = (extra: object) => ({
    ...base,
    eventID: 'a-1',
    sharedEventID: 'shared-x',
    recipientAccountId: '111111111111',
    ...extra,
  });
  const ownerCopy = (extra: object) => ({
    ...base,
    eventID: 'b-1',
    sharedEventID: 'shared-x',
    recipientAccountId: '222222222222',
    ...extra,
  });
  const file = (records: object[]) => Buffer.from(JSON.stringify({ Records: records }));

  it('counts the pair once whichever copy comes first, and once when only one copy comes', async () => {
    for (const order of [['requester', 'owner'], ['owner', 'requester'], ['owner']]) {
      // Prepare
      const client = newClient();
      const table = await freshTable(client);
      const context = countingContext(client, table, { retry: FAST_RETRIES });
      const files = {
        requester: bufferSource('requester-file', file([requesterCopy({}), { ...base, eventID: 'a-2' }])),
        owner: bufferSource('owner-file', file([ownerCopy({}), { ...base, eventID: 'b-2' }])),
      };

      // Act
      for (const name of order) await countLog(context, files[name as keyof typeof files]);

      // Assess: the shared request once, plus each file's own request.
      const hour = await hourCounters(client, table, 'shared-bucket', '2026-11-20T10');
      expect(hour.http, order.join(' then ')).toBe(1 + order.length);
    }
  });

  it('counts the pair once when both copies are counted at the same time', async () => {
    const table = await freshTable();
    await Promise.all([
      countLog(
        countingContext(newClient(), table, { retry: { attempts: 20, baseDelayMs: 5, maxDelayMs: 100 } }),
        bufferSource('r', file([requesterCopy({})])),
      ),
      countLog(
        countingContext(newClient(), table, { retry: { attempts: 20, baseDelayMs: 5, maxDelayMs: 100 } }),
        bufferSource('o', file([ownerCopy({})])),
      ),
    ]);
    const hour = await hourCounters(newClient(), table, 'shared-bucket', '2026-11-20T10');
    expect(hour.http).toBe(1);
  });
});

describe('Endpoint configuration', () => {
  it('reaches DynamoDB Local through AWS_ENDPOINT_URL_DYNAMODB, with no endpoint in code', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? localEndpoints().dynamoDb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const table = await freshTable(client);
    expect(table).toMatch(/^aggregates-/);
  });
});
