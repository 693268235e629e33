import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { retryDecision } from '../../lib/core/errors';
import type { ClientTally, HourTally, Tally } from '../../lib/core/tally';
import { recoverOpenBatches } from '../../lib/lambda/batch-recovery';
import { AggregateStore, type BatchPlan, UNRECOVERABLE_BATCH } from '../../lib/store';
import { EXPIRES_AT, keys } from '../../lib/store/layout';
import { testDynamoDbClient } from '../support/aws';
import { runCli } from '../support/cli';
import { dumpAggregates, freshTable, InjectedFault } from '../support/counting';

const FAST_RETRIES = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };
const DAY_MS = 86_400_000;
const CLAIMED_AT = new Date('2026-11-20T10:00:00Z');
/** Chunks of two tallies: the plan below needs four chunk transactions. */
const CHUNK_SIZE = 2;

function hourTally(bucket: string, hour: string, http: number): HourTally {
  return {
    kind: 'hour',
    source: 'cloudtrail',
    bucket,
    hour,
    counters: { http, https: 1 },
    seen: [],
    rangesSyncTokens: ['1'],
  };
}

function clientTally(bucket: string, day: string, address: string, httpByHour: Record<string, number>): ClientTally {
  const http = Object.values(httpByHour).reduce((sum, n) => sum + n, 0);
  return {
    kind: 'client',
    source: 'cloudtrail',
    bucket,
    day,
    client: { clientId: `id-${address}`, address, class: 'external', principal: 'arn:aws:iam::111122223333:user/u' },
    counters: {
      requests: http,
      http,
      ...Object.fromEntries(Object.entries(httpByHour).map(([hour, n]) => [`http_hour_${hour}`, n])),
    },
    seen: [],
    rangesSyncTokens: ['1'],
  };
}

/** Eight tallies over two buckets, in the order a merged plan keeps them. */
const PLAN: BatchPlan = {
  logs: [
    { id: 'log-a', location: 's3://trail/log-a.json.gz', s3Records: 10, requests: 10 },
    { id: 'log-b', location: 's3://trail/log-b.json.gz', s3Records: 6, requests: 6 },
  ],
  tallies: [
    hourTally('bucket-1', '2026-11-20T03', 4),
    hourTally('bucket-1', '2026-11-20T04', 2),
    clientTally('bucket-1', '2026-11-20', '198.51.100.7', { '03': 4, '04': 2 }),
    clientTally('bucket-1', '2026-11-20', '198.51.100.8', { '04': 1 }),
    hourTally('bucket-2', '2026-11-20T03', 3),
    hourTally('bucket-2', '2026-11-20T05', 1),
    clientTally('bucket-2', '2026-11-20', '203.0.113.9', { '03': 3 }),
    clientTally('bucket-2', '2026-11-20', '203.0.113.10', { '05': 1 }),
  ],
  shared: [],
};

function store(client: DynamoDBClient, table: string, now: Date, chunkSize = CHUNK_SIZE): AggregateStore {
  return new AggregateStore(client, table, { chunkSize, retry: FAST_RETRIES, now: () => now });
}

/** The aggregates of PLAN committed cleanly, once. */
async function truth(client: DynamoDBClient): Promise<Record<string, unknown>> {
  const table = await freshTable(client);
  await store(client, table, CLAIMED_AT).ledger.commit(PLAN);
  return dumpAggregates(client, table);
}

/**
 * Commits PLAN on a client whose n-th TransactWriteItems fails before it is sent: 2 stops right
 * after the claim, 3 after the first chunk. The batch is left claimed, as by a process that died.
 */
async function abandonedBatch(
  client: DynamoDBClient,
  table: string,
  stopAtTransaction: number,
  plan: BatchPlan = PLAN,
  chunkSize = CHUNK_SIZE,
  claimedAt = CLAIMED_AT,
): Promise<string> {
  const stopping = testDynamoDbClient();
  let transactions = 0;
  stopping.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand' && ++transactions === stopAtTransaction) {
        throw new InjectedFault(transactions, 'before');
      }
      return next(args);
    },
    { step: 'initialize', name: 'stopAtTransaction' },
  );
  await expect(store(stopping, table, claimedAt, chunkSize).ledger.commit(plan)).rejects.toThrow(InjectedFault);
  const state = (await store(client, table, claimedAt).ledger.states([plan.logs[0]?.id as string])).get(
    plan.logs[0]?.id as string,
  );
  if (state?.state !== 'claimed') throw new Error(`expected a claimed batch, found ${JSON.stringify(state)}`);
  return state.batchId;
}

async function batchItems(client: DynamoDBClient, table: string, batchId: string) {
  const result = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: keys.batchPartition(batchId) } },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => unmarshall(item));
}

/**
 * What DynamoDB's TTL process may do at `at`: delete items whose `expiresAt` has passed, here
 * only those whose sort key starts with one of `prefixes` (TTL deletes in no set order).
 */
async function expireItems(client: DynamoDBClient, table: string, at: Date, prefixes: readonly string[]) {
  const result = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  let deleted = 0;
  for (const item of (result.Items ?? []).map((raw) => unmarshall(raw))) {
    const expiresAt = item[EXPIRES_AT];
    if (typeof expiresAt !== 'number' || expiresAt * 1000 > at.getTime()) continue;
    if (!prefixes.some((prefix) => String(item.sk).startsWith(prefix))) continue;
    await client.send(new DeleteItemCommand({ TableName: table, Key: marshall({ pk: item.pk, sk: item.sk }) }));
    deleted++;
  }
  return deleted;
}

describe('Recovery of abandoned batches and the protocol time limits, on DynamoDB Local', () => {
  it('completes an abandoned claimed batch through recover, found by the open-batches index', async () => {
    // Prepare
    const client = testDynamoDbClient();
    const expected = await truth(client);
    const table = await freshTable(client);
    const batchId = await abandonedBatch(client, table, 3);
    const markers = (await batchItems(client, table, batchId)).filter((item) =>
      String(item.sk).startsWith(keys.appliedPrefix),
    );
    const later = new Date(CLAIMED_AT.getTime() + 60 * 60_000);

    // Act
    const young = await store(client, table, later).ledger.recover({ olderThanSeconds: 2 * 3600 });
    const report = await store(client, table, later).ledger.recover({ olderThanSeconds: 30 * 60 });
    const again = await store(client, table, later).ledger.recover({ olderThanSeconds: 30 * 60 });

    // Assess
    expect(young).toEqual({ found: 0, completed: [], failed: [] });
    expect(report.failed).toEqual([]);
    // Four chunks, some applied before the stop (they run a few at once).
    expect(markers.length).toBeGreaterThan(0);
    expect(report.completed).toEqual([{ batchId, logs: 2, chunksApplied: 4 - markers.length }]);
    expect(again.found).toBe(0);
    expect(await dumpAggregates(client, table)).toEqual(expected);
    const states = await store(client, table, later).ledger.states(['log-a', 'log-b']);
    expect([...states.values()]).toEqual([{ state: 'done' }, { state: 'done' }]);
  });

  it('gives markers a longer life than the parts of their intent', async () => {
    // Prepare
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const batchId = await abandonedBatch(client, table, 4);

    // Act
    const items = await batchItems(client, table, batchId);

    // Assess
    const expiry = (prefix: string) =>
      items.filter((item) => String(item.sk).startsWith(prefix)).map((item) => Number(item[EXPIRES_AT]));
    const parts = expiry(keys.partPrefix);
    const markers = expiry(keys.appliedPrefix);
    expect(markers.length).toBeGreaterThan(0);
    expect(Math.min(...markers)).toBeGreaterThan(Math.max(...parts));
  });

  it.each([
    ['TTL took the parts first', 31, [keys.partPrefix]],
    ['TTL took the markers first', 40, [keys.appliedPrefix]],
    ['TTL took nothing yet, with a clock far in the future', 3650, []],
  ] as const)('counts nothing twice and records the logs as failed when %s', async (_case, days, prefixes) => {
    // Prepare: a batch that applied its first chunk and stopped, met again long after.
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const batchId = await abandonedBatch(client, table, 3);
    const partly = await dumpAggregates(client, table);
    const at = new Date(CLAIMED_AT.getTime() + days * DAY_MS);
    if (prefixes.length > 0) expect(await expireItems(client, table, at, prefixes)).toBeGreaterThan(0);

    // Act
    const report = await store(client, table, at).ledger.recover({ olderThanSeconds: 1800 });

    // Assess
    expect(report.completed).toEqual([]);
    expect(report.failed.map((failed) => [failed.batchId, failed.logs.map((log) => log.id)])).toEqual([
      [batchId, ['log-a', 'log-b']],
    ]);
    expect(await dumpAggregates(client, table)).toEqual(partly);
    const failures = await store(client, table, at).listFailures();
    expect(failures.map((failure) => [failure.logId, failure.location, failure.code])).toEqual([
      ['log-a', 's3://trail/log-a.json.gz', UNRECOVERABLE_BATCH],
      ['log-b', 's3://trail/log-b.json.gz', UNRECOVERABLE_BATCH],
    ]);
    expect(failures[0]?.message).toContain(batchId);
    // Out of the index: the next run does not meet it again.
    expect((await store(client, table, at).ledger.recover({ olderThanSeconds: 1800 })).found).toBe(0);
  });

  it('removes the TTL of a header written by an older version when it marks the batch done', async () => {
    // Prepare: headers of older versions carried the intent's expiresAt.
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const batchId = await abandonedBatch(client, table, 2);
    const expiresAt = Math.floor(CLAIMED_AT.getTime() / 1000) + 30 * 86_400;
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: marshall(keys.intent(batchId)),
        UpdateExpression: 'SET #e = :e',
        ExpressionAttributeNames: { '#e': EXPIRES_AT },
        ExpressionAttributeValues: marshall({ ':e': expiresAt }),
      }),
    );

    // Act
    await store(client, table, CLAIMED_AT).ledger.resume(batchId);
    const farLater = new Date(CLAIMED_AT.getTime() + 400 * DAY_MS);
    await expireItems(client, table, farLater, ['INTENT', keys.partPrefix, keys.appliedPrefix]);

    // Assess
    const header = await client.send(new GetItemCommand({ TableName: table, Key: marshall(keys.intent(batchId)) }));
    expect(header.Item && unmarshall(header.Item)).toMatchObject({ state: 'done' });
    expect(header.Item?.[EXPIRES_AT]).toBeUndefined();
    const states = await store(client, table, farLater).ledger.states(['log-a', 'log-b']);
    expect([...states.values()]).toEqual([{ state: 'done' }, { state: 'done' }]);
  });

  it('completes an older intent whose per-hour client tallies of one client share a chunk', async () => {
    // Prepare: one chunk holds everything; the intent is rewritten the way versions before
    // client days stored it, one tally per client and hour, so one client is two tallies of
    // the same day item in that chunk.
    const client = testDynamoDbClient();
    const expected = await truth(client);
    const table = await freshTable(client);
    const batchId = await abandonedBatch(client, table, 2, PLAN, 99);
    await rewriteIntentAsPerHour(client, table, batchId);

    // Act
    const outcome = await store(client, table, CLAIMED_AT, 99).ledger.resume(batchId);

    // Assess
    expect(outcome.chunks).toBe(1);
    expect(await dumpAggregates(client, table)).toEqual(expected);
  });

  it('records a batch whose transaction DynamoDB rejects as failed, without retrying it', async () => {
    // Prepare: DynamoDB answers ValidationException for a transaction it will never accept.
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const rejecting = testDynamoDbClient();
    let attempts = 0;
    const firstChunk = keys.applied('', 0).sk;
    rejecting.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TransactItems?: Array<{ Put?: { Item?: { sk?: { S?: string } } } }> };
        if (
          context.commandName === 'TransactWriteItemsCommand' &&
          input.TransactItems?.[0]?.Put?.Item?.sk?.S === firstChunk
        ) {
          attempts++;
          throw Object.assign(new Error('Transaction request cannot include multiple operations on one item'), {
            name: 'ValidationException',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'rejectTransaction' },
    );

    // Act
    const error = await store(rejecting, table, CLAIMED_AT)
      .ledger.commit(PLAN)
      .catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).name).toBe('UnrecoverableBatchError');
    expect(retryDecision(error)).toBe('permanent');
    expect(attempts).toBe(1);
    const failures = await store(client, table, CLAIMED_AT).listFailures();
    expect(failures.map((failure) => failure.logId)).toEqual(['log-a', 'log-b']);
    expect(failures[0]?.message).toContain('rejected the transaction');
  });

  it('counts a cross-account request once when its other copy is met after the old 90-day window', async () => {
    // Prepare: the first copy counted the day after the event.
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const request = { sharedEventId: 'shared-1', tallies: [hourTally('bucket-x', '2026-11-20T03', 1)] as Tally[] };
    const first = new Date('2026-11-21T00:00:00Z');
    await store(client, table, first).ledger.commit({
      logs: [{ id: 'owner-copy', location: 's3://trail/owner.json.gz', s3Records: 1, requests: 1 }],
      tallies: [],
      shared: [request],
    });
    const backfill = new Date(first.getTime() + 100 * DAY_MS);
    await expireItems(client, table, backfill, ['CLAIM']);

    // Act
    const second = await store(client, table, backfill).ledger.commit({
      logs: [{ id: 'requester-copy', location: 's3://trail/requester.json.gz', s3Records: 1, requests: 1 }],
      tallies: [],
      shared: [request],
    });

    // Assess
    expect(second.status === 'committed' && second.outcome.claimsLost).toBe(1);
    const hours = await store(client, table, backfill).hourTallies('bucket-x', {});
    expect(hours.map((hour) => hour.counters.http)).toEqual([1]);
  });
});

describe('The scheduled recovery function', () => {
  it('completes what it can, records what it cannot, and counts both in its metrics', async () => {
    // Prepare: one batch abandoned an hour ago, one abandoned 40 days ago (its intent expired).
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const recent = await abandonedBatch(client, table, 2);
    const oldPlan: BatchPlan = {
      ...PLAN,
      logs: [{ id: 'log-old', location: 's3://trail/log-old.json.gz', s3Records: 1, requests: 1 }],
    };
    const old = await abandonedBatch(
      client,
      table,
      2,
      oldPlan,
      CHUNK_SIZE,
      new Date(CLAIMED_AT.getTime() - 40 * DAY_MS),
    );
    const metrics: Array<[string, number]> = [];
    const logged: string[] = [];
    const log = {
      info: (message: string) => logged.push(`info ${message}`),
      warn: (message: string) => logged.push(`warn ${message}`),
      error: (message: string, ...extra: Array<Record<string, unknown>>) =>
        logged.push(`error ${message} ${JSON.stringify(extra[0])}`),
    };

    // Act
    const report = await recoverOpenBatches(store(client, table, new Date(CLAIMED_AT.getTime() + 3600_000)), {
      olderThanSeconds: 1800,
      log,
      metrics: { addMetric: (name, _unit, value) => metrics.push([name, value]) },
    });

    // Assess
    expect(report.completed.map((batch) => batch.batchId)).toEqual([recent]);
    expect(report.failed.map((batch) => batch.batchId)).toEqual([old]);
    expect(metrics).toEqual([
      ['BatchesRecovered', 1],
      ['BatchesUnrecoverable', 1],
      ['LogsFailed', 1],
    ]);
    expect(logged.filter((line) => line.startsWith('error'))).toHaveLength(1);
    expect(logged.join('\n')).not.toContain('s3://trail');
    const failures = await store(client, table, CLAIMED_AT).listFailures();
    expect(failures.map((failure) => failure.logId)).toEqual(['log-old']);
  });
});

describe('CLI: cleartrail store recover', () => {
  it('completes an abandoned batch of a table once, and says so in JSON', async () => {
    // Prepare: a batch claimed an hour ago by a process that died.
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const batchId = await abandonedBatch(client, table, 2, PLAN, CHUNK_SIZE, new Date(Date.now() - 3600_000));
    const applied = (await batchItems(client, table, batchId)).filter((item) =>
      String(item.sk).startsWith(keys.appliedPrefix),
    ).length;
    const cwd = mkdtempSync(path.join(tmpdir(), 'cleartrail-recover-'));
    const options = ['--table', table, '--region', 'us-east-1'];

    // Act
    const tooYoung = await runCli(['store', 'recover', '--older-than', '2h', '--json', ...options], cwd);
    const first = await runCli(['store', 'recover', '--json', ...options], cwd);
    const second = await runCli(['store', 'recover', ...options], cwd);

    // Assess
    expect(tooYoung.code).toBe(0);
    expect(JSON.parse(tooYoung.stdout)).toEqual({ found: 0, completed: [], failed: [] });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      found: 1,
      completed: [{ batchId, logs: 2, chunksApplied: 4 - applied }],
      failed: [],
    });
    expect(second.stdout).toBe(`table ${table}: 0 open batches completed (0 logs)\n`);
    const states = await store(client, table, new Date()).ledger.states(['log-a', 'log-b']);
    expect([...states.values()]).toEqual([{ state: 'done' }, { state: 'done' }]);
  });

  it('finds nothing to do in the embedded store, and refuses a grace period it cannot read', async () => {
    // Prepare
    const cwd = mkdtempSync(path.join(tmpdir(), 'cleartrail-recover-embedded-'));

    // Act
    const embedded = await runCli(['store', 'recover', '--json', '--data-dir', 'data'], cwd);
    const bad = await runCli(['store', 'recover', '--older-than', '30 minutes', '--data-dir', 'data'], cwd);

    // Assess
    expect(embedded.code, embedded.stderr).toBe(0);
    expect(JSON.parse(embedded.stdout)).toEqual({ found: 0, completed: [], failed: [] });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--older-than "30 minutes" is not a duration such as 90s, 30m, 2h or 1d');
  });
});

/** Rewrites a batch's stored intent with one client tally per client and hour, as older versions stored it. */
async function rewriteIntentAsPerHour(client: DynamoDBClient, table: string, batchId: string): Promise<void> {
  const items = await batchItems(client, table, batchId);
  const part = items.find((item) => String(item.sk).startsWith(keys.partPrefix));
  const header = items.find((item) => item.sk === keys.intent(batchId).sk);
  if (!part || !header) throw new Error(`batch ${batchId} has no intent`);
  const intent = JSON.parse(gunzipSync(part.data as Uint8Array).toString('utf8')) as { tallies: Tally[] };
  const perHour = (tally: Tally): unknown[] => {
    if (tally.kind !== 'client') return [tally];
    const { day, seen: _seen, ...rest } = tally;
    return Object.keys(tally.counters)
      .filter((name) => name.startsWith('http_hour_'))
      .map((name, index) => ({
        ...rest,
        hour: `${day}T${name.slice('http_hour_'.length)}`,
        counters: { ...(index === 0 ? { requests: tally.counters.requests } : {}), http: tally.counters[name] },
        seen: [],
      }));
  };
  const tallies = intent.tallies.flatMap(perHour);
  const payload = gzipSync(JSON.stringify({ ...intent, tallies }));
  await client.send(new PutItemCommand({ TableName: table, Item: marshall({ ...part, data: payload }) }));
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: marshall({ ...header, digest: createHash('sha256').update(payload).digest('base64url') }),
    }),
  );
}
