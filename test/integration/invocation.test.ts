/**
 * The trigger answers of `handleTrigger` follow one retry rule (`retryDecision`), against
 * DynamoDB Local and s3rver: a permanent error is recorded and answered as done, a transient
 * one is handed back for a retry.
 */
import { gzipSync } from 'node:zlib';
import { DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LogObjectRef } from '../../lib/core/log-object-ref';
import { countLog } from '../../lib/count/pipeline';
import { handleTrigger, type InvocationContext } from '../../lib/lambda/invocation';
import type { Trigger } from '../../lib/lambda/triggers';
import type { NamedNetwork } from '../../lib/net/named-networks';
import { s3LogInput } from '../../lib/s3/log-objects';
import { keys } from '../../lib/store/layout';
import { testDynamoDbClient, testS3Client, uniqueName } from '../support/aws';
import { countingContext, freshTable, InjectedFault } from '../support/counting';
import { syntheticLogJson } from '../support/synthetic-log';

// Small chunks, so that one file needs several transactions and an attempt can stop between two.
const CHUNK_SIZE = 6;
const FAST_RETRIES = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
const KEY =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/111122223333_CloudTrail_us-east-1_20250310T1100Z_abcdefghijklmnop.json.gz';

type TriggerKind = Trigger['kind'];

/** The trigger of each kind that names one object. */
function triggerNaming(kind: TriggerKind, object: LogObjectRef): Trigger {
  switch (kind) {
    case 'batch':
      return { kind, schemaVersion: '2.0', invocationId: 'invocation-1', tasks: [{ taskId: 'task-1', object }] };
    case 'sqs':
      return { kind, messages: [{ messageId: 'message-1', objects: [object] }] };
    case 'objects':
      return { kind, source: 's3', objects: [object] };
  }
}

/** Makes the `failAt`-th TransactWriteItems call of the client fail with `error`: once, or from then on. */
function failTransaction(client: DynamoDBClient, failAt: number, error: () => Error, from = false): void {
  let transactions = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      transactions++;
      if (transactions === failAt || (from && transactions > failAt)) throw error();
      return next(args);
    },
    { step: 'initialize', name: 'failTransaction' },
  );
}

/** An invocation context on a fresh table, logging into arrays the test can read. */
function invocationContext(
  client: DynamoDBClient,
  table: string,
  bucket: string,
  networks: NamedNetwork[] = [],
): InvocationContext & { errors: string[]; metrics: { counts: Record<string, number> } } {
  const errors: string[] = [];
  const counts: Record<string, number> = {};
  return {
    counting: countingContext(client, table, { chunkSize: CHUNK_SIZE, retry: FAST_RETRIES, networks }),
    s3: testS3Client(),
    logBucket: bucket,
    logPrefix: 'AWSLogs/',
    log: { info: () => {}, warn: () => {}, error: (message) => errors.push(message) },
    errors,
    metrics: {
      counts,
      addMetric: (name, _unit, value) => {
        counts[name] = (counts[name] ?? 0) + value;
      },
    },
  };
}

describe('Function: handleTrigger, retry or permanent by the error class', () => {
  const bucket = uniqueName('trail');
  const object: LogObjectRef = { bucket, key: KEY };

  beforeAll(async () => {
    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: gzipSync(syntheticLogJson({ records: 240, seed: 5 })) }),
    );
  });

  /**
   * A table where an earlier attempt claimed the log and died before counting it, and whose
   * intent is gone since (as if its 30 days of TTL had passed): retrying never fixes that.
   */
  async function tableWithLostIntent(): Promise<string> {
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    // The first transaction claims; the second would count the first chunk.
    failTransaction(client, 2, () => new InjectedFault(2, 'before'));
    const firstAttempt = invocationContext(client, table, bucket);
    const source = s3LogInput(firstAttempt.s3, object);
    await expect(countLog(firstAttempt.counting, source)).rejects.toThrow(InjectedFault);
    const state = (await firstAttempt.counting.store.ledger.states([source.id])).get(source.id);
    if (state?.state !== 'claimed') throw new Error(`expected a claimed log, found ${JSON.stringify(state)}`);
    await client.send(new DeleteItemCommand({ TableName: table, Key: marshall(keys.intent(state.batchId)) }));
    return table;
  }

  it.each<[TriggerKind, unknown]>([
    [
      'batch',
      {
        results: [
          {
            taskId: 'task-1',
            resultCode: 'PermanentFailure',
            resultString: expect.stringMatching(/^batch-unrecoverable: .*cannot be completed: its header is gone/),
          },
        ],
      },
    ],
    ['sqs', { batchItemFailures: [] }],
    ['objects', { counted: 0, skipped: 0, failed: 1 }],
  ])(
    'answers %s with the batch whose header is gone as done, and records the log as unrecoverable',
    async (kind, answer) => {
      // Prepare
      const table = await tableWithLostIntent();
      const context = invocationContext(testDynamoDbClient(), table, bucket);

      // Act
      const response = await handleTrigger(triggerNaming(kind, object), context);

      // Assess: not handed back for a retry (no TemporaryFailure, no batch item failure, no
      // throw), but visible: a failure record for `cleartrail failures`, an error log, a metric.
      expect(response).toMatchObject(answer as object);
      const failures = await context.counting.store.listFailures();
      expect(failures).toEqual([
        expect.objectContaining({
          location: `s3://${bucket}/${KEY}`,
          code: 'batch-unrecoverable',
          message: expect.stringMatching(/cannot be completed: its header is gone/),
        }),
      ]);
      expect(context.errors).toEqual([expect.stringMatching(/could not be counted and was recorded as failed/)]);
      expect(context.metrics.counts.LogsFailed).toBe(1);
    },
    60_000,
  );

  it.each<[TriggerKind, unknown]>([
    [
      'batch',
      {
        results: [
          { taskId: 'task-1', resultCode: 'TemporaryFailure', resultString: expect.stringMatching(/injected/) },
        ],
      },
    ],
    ['sqs', { batchItemFailures: [{ itemIdentifier: 'message-1' }] }],
  ])(
    'hands %s a transient error back for a retry, and records nothing',
    async (kind, answer) => {
      // Prepare
      const client = testDynamoDbClient();
      const table = await freshTable(client);
      failTransaction(client, 1, () => new InjectedFault(1, 'before'), true);
      const context = invocationContext(client, table, bucket);

      // Act
      const response = await handleTrigger(triggerNaming(kind, object), context);

      // Assess
      expect(response).toMatchObject(answer as object);
      expect(await context.counting.store.listFailures()).toEqual([]);
    },
    60_000,
  );

  it('throws a transient error of a direct invocation, so that Lambda retries it', async () => {
    // Prepare
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    failTransaction(client, 1, () => new InjectedFault(1, 'before'));
    const context = invocationContext(client, table, bucket);

    // Act / Assess
    await expect(handleTrigger(triggerNaming('objects', object), context)).rejects.toThrow(
      /1 of 1 log objects were not counted/,
    );
  }, 60_000);

  it('commits an SQS batch in one go and hands back only the message that names no log', async () => {
    // Prepare
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const context = invocationContext(client, table, bucket);
    const trigger: Trigger = {
      kind: 'sqs',
      messages: [
        { messageId: 'good', objects: [object] },
        { messageId: 'bad', objects: [], problem: 'Records[1].body: not valid JSON' },
        { messageId: 'duplicate', objects: [object] },
      ],
    };

    // Act
    const response = await handleTrigger(trigger, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(context.metrics.counts.LogsCounted).toBe(1);
    expect(context.metrics.counts.LogsAlreadyCounted).toBe(1);
    expect(context.errors).toEqual([expect.stringMatching(/names no log object/)]);
  }, 60_000);
});
