import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { COUNTER_PREFIXES, type Tally } from '../../lib/core/tally';
import { countBatch, countLog } from '../../lib/count/pipeline';
import type { LogInput } from '../../lib/formats/format';
import { keys } from '../../lib/store/layout';
import { testDynamoDbClient } from '../support/aws';
import {
  bufferSource,
  countingContext,
  dumpAggregates,
  freshTable,
  InjectedFault,
  injectFault,
} from '../support/counting';
import { countAndKillAt } from '../support/kill';
import { syntheticRecords } from '../support/synthetic-log';

// Small chunks, so that a batch needs many transactions and a fault can land between any two.
const CHUNK_SIZE = 6;
const FAST_RETRIES = { attempts: 6, baseDelayMs: 5, maxDelayMs: 50 };
const PATIENT_RETRIES = { attempts: 30, baseDelayMs: 10, maxDelayMs: 200 };
const COUNTED = ['counted', 'completed', 'already-counted'];

/**
 * Six logs; every ninth S3 record of an even log is a cross-account call, and the next (odd) log
 * carries the other copy of each: the same request with its own eventID, as the requester's and
 * the owner's trails do.
 */
const LOGS = (() => {
  const logs: Array<{ name: string; bytes: Buffer }> = [];
  let copies: CloudTrailRecord[] = [];
  for (let index = 0; index < 6; index++) {
    const records: CloudTrailRecord[] = [];
    let s3 = 0;
    for (const { record, intended } of syntheticRecords({ records: 90, seed: 40 + index })) {
      if (index % 2 === 0 && intended !== 'non-s3' && ++s3 % 9 === 0) {
        record.sharedEventID = `pair-${index}-${s3}`;
        // recipientAccountId is not a field cleartrail reads: the reader drops it like any other.
        copies.push({ ...record, eventID: `copy-of-${record.eventID}` });
      }
      records.push(record);
    }
    if (index % 2 === 1) {
      records.push(...copies);
      copies = [];
    }
    logs.push({ name: `log-${index}`, bytes: gzipSync(JSON.stringify({ Records: records })) });
  }
  return logs;
})();
const sources = (indexes: readonly number[]): LogInput[] =>
  indexes.map((index) => bufferSource(LOGS[index]?.name as string, LOGS[index]?.bytes as Buffer));
const ALL = [0, 1, 2, 3, 4, 5];

function context(client: DynamoDBClient, table: string, retry = FAST_RETRIES) {
  return countingContext(client, table, { chunkSize: CHUNK_SIZE, retry });
}

describe('Batch commit against DynamoDB Local', () => {
  let truth: Record<string, unknown>;
  let callsOfOneBatch: number;

  beforeAll(async () => {
    // Prepare: the ground truth is every log counted alone, one after the other.
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    for (const log of sources(ALL)) expect((await countLog(context(client, table), log)).status).toBe('counted');
    truth = await dumpAggregates(client, table);

    const counting = testDynamoDbClient();
    const batchTable = await freshTable(counting);
    const calls = injectFault(counting, {});
    await countBatch(context(counting, batchTable), sources(ALL));
    callsOfOneBatch = calls.calls();
  });

  it('counts a batch exactly as the same logs counted one by one, with fewer writes', async () => {
    // Prepare
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const alone = await freshTable(client);
    let unitsAlone = 0;
    for (const log of sources(ALL)) {
      const result = await countLog(context(client, alone), log);
      if (result.status === 'counted') unitsAlone += result.store.writeUnits;
    }

    // Act
    const results = await countBatch(context(client, table), sources(ALL));

    // Assess
    expect(results.map((result) => result.status)).toEqual(ALL.map(() => 'counted'));
    expect(await dumpAggregates(client, table)).toEqual(truth);
    const batch = results[0]?.status === 'counted' ? results[0].store : undefined;
    expect(new Set(results.map((result) => (result.status === 'counted' ? result.store.batchId : '')))).toEqual(
      new Set([batch?.batchId]),
    );
    expect(batch?.claimsLost).toBe(0);
    expect(batch?.writeUnits).toBeLessThan(unitsAlone);
  });

  it.each(['before', 'after'] as const)(
    'equals the truth when any single DynamoDB call of a batch fails %s it is sent and the batch is retried',
    async (when) => {
      expect(callsOfOneBatch).toBeGreaterThan(10);
      const failures: string[] = [];
      for (let failAt = 1; failAt <= callsOfOneBatch; failAt++) {
        // Prepare
        const faulty = testDynamoDbClient();
        const table = await freshTable(faulty);
        injectFault(faulty, { failAt, when });

        // Act: the first attempt dies at call k; the retry runs on a healthy client.
        const first = await countBatch(context(faulty, table), sources(ALL)).then(
          () => 'no fault',
          (error: Error) => (error instanceof InjectedFault ? 'fault' : `${error.name}: ${error.message}`),
        );
        const healthy = testDynamoDbClient();
        const retry = await countBatch(context(healthy, table), sources(ALL));

        // Assess: every point is checked and the failing ones are reported together.
        if (first !== 'fault') failures.push(`call ${failAt}: first attempt ended with ${first}`);
        const statuses = retry.map((result) => result.status);
        if (!statuses.every((status) => COUNTED.includes(status))) failures.push(`call ${failAt}: retry ${statuses}`);
        if (JSON.stringify(await dumpAggregates(healthy, table)) !== JSON.stringify(truth)) {
          failures.push(`call ${failAt}: aggregates differ`);
        }
      }
      expect(failures).toEqual([]);
    },
    300_000,
  );

  it('equals the truth after the process is killed (SIGKILL) at several points of a batch', async () => {
    // Prepare
    const folder = mkdtempSync(path.join(tmpdir(), 'cleartrail-batch-kill-'));
    const files = LOGS.map((log) => {
      const file = path.join(folder, log.name);
      writeFileSync(file, log.bytes);
      return file;
    });
    const points = [2, 4, Math.floor(callsOfOneBatch / 2), callsOfOneBatch - 1].flatMap((call) => [
      { call, when: 'before' as const },
      { call, when: 'after' as const },
    ]);
    const failures: string[] = [];

    for (const point of points) {
      const table = await freshTable();
      // Act
      const said = await countAndKillAt(table, point, files);
      const client = testDynamoDbClient();
      const retry = await countBatch(context(client, table), sources(ALL));

      // Assess
      const where = `killed ${point.when} call ${point.call}`;
      if (said !== 'frozen') failures.push(`${where}: the child said ${said}`);
      if (!retry.every((result) => COUNTED.includes(result.status))) failures.push(`${where}: retry not counted`);
      if (JSON.stringify(await dumpAggregates(client, table)) !== JSON.stringify(truth)) {
        failures.push(`${where}: aggregates differ`);
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);

  it('completes a batch claimed before the upgrade, whose intent holds per-hour client tallies', async () => {
    // Prepare: a batch claimed and stopped before its first chunk, as an earlier version left it,
    // its intent rewritten the way that version stored client tallies: one per client-hour.
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    let transactions = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && ++transactions === 2) {
          throw new InjectedFault(transactions, 'before');
        }
        return next(args);
      },
      { step: 'initialize', name: 'stopAfterClaim' },
    );
    await expect(countBatch(context(client, table), sources(ALL))).rejects.toThrow(InjectedFault);
    const states = await countingContext(client, table).store.ledger.states(LOGS.map((log) => log.name));
    const claimed = [...states.values()][0];
    if (claimed?.state !== 'claimed') throw new Error(`expected a claimed batch, found ${JSON.stringify(claimed)}`);
    await rewriteIntentAsPerHour(client, table, claimed.batchId);

    // Act
    const results = await countBatch(context(client, table), sources(ALL));

    // Assess
    expect(results.map((result) => result.status)).toEqual(ALL.map(() => 'completed'));
    expect(await dumpAggregates(client, table)).toEqual(truth);
  });

  it('equals the truth when two overlapping batches, sharing logs, commit at the same time', async () => {
    // Prepare
    const table = await freshTable();

    // Act
    const [first, second] = await Promise.all([
      countBatch(context(testDynamoDbClient(), table, PATIENT_RETRIES), sources([0, 1, 2, 3])),
      countBatch(context(testDynamoDbClient(), table, PATIENT_RETRIES), sources([2, 3, 4, 5])),
    ]);

    // Assess: each shared log counted by exactly one of them.
    for (const [index, name] of ['log-2', 'log-3'].entries()) {
      const statuses = [first?.[index + 2]?.status, second?.[index]?.status];
      expect(
        statuses.filter((status) => status === 'counted'),
        name,
      ).toHaveLength(1);
    }
    expect(await dumpAggregates(testDynamoDbClient(), table)).toEqual(truth);
  });

  it('counts once a log committed in a batch and delivered alone, in either order and at the same time', async () => {
    for (const order of ['batch first', 'single first', 'together']) {
      // Prepare
      const table = await freshTable();
      const batch = () => countBatch(context(testDynamoDbClient(), table, PATIENT_RETRIES), sources(ALL));
      const single = () => countLog(context(testDynamoDbClient(), table, PATIENT_RETRIES), sources([3])[0] as LogInput);

      // Act
      if (order === 'batch first') {
        await batch();
        expect((await single()).status, order).toBe('already-counted');
      } else if (order === 'single first') {
        await single();
        const results = await batch();
        expect(results[3]?.status, order).toBe('already-counted');
      } else {
        await Promise.all([batch(), single()]);
      }

      // Assess
      expect(await dumpAggregates(testDynamoDbClient(), table), order).toEqual(truth);
    }
  });

  it('records a corrupt log of a batch as failed and counts the others', async () => {
    // Prepare
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const expected = await freshTable(client);
    for (const log of sources([0, 1, 3, 4, 5])) await countLog(context(client, expected), log);
    const broken = LOGS[2]?.bytes.subarray(0, Math.floor((LOGS[2]?.bytes.length ?? 0) * 0.6)) as Buffer;
    const batch = sources(ALL);
    batch[2] = bufferSource('log-2', broken);

    // Act
    const results = await countBatch(context(client, table), batch);

    // Assess
    expect(results.map((result) => result.status)).toEqual([
      'counted',
      'counted',
      'failed',
      'counted',
      'counted',
      'counted',
    ]);
    expect(await dumpAggregates(client, table)).toEqual(await dumpAggregates(client, expected));
    const failures = await countingContext(client, table).store.listFailures();
    expect(failures.map((failure) => [failure.logId, failure.code])).toEqual([['log-2', 'corrupt-gzip']]);
  });
});

/**
 * Rewrites a stored intent as cleartrail stored it before clients were kept per day: each client
 * tally split into one tally per hour of HTTP (its other counters on the first), with `hour`.
 */
async function rewriteIntentAsPerHour(client: DynamoDBClient, table: string, batchId: string): Promise<void> {
  const partition = keys.batchPartition(batchId);
  const items = (
    await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: partition } },
        ConsistentRead: true,
      }),
    )
  ).Items?.map((item) => unmarshall(item)) as Array<Record<string, unknown>>;
  const parts = items.filter((item) => String(item.sk).startsWith(keys.partPrefix));
  const header = items.find((item) => item.sk === keys.intent(batchId).sk);
  if (parts.length !== 1 || !header)
    throw new Error(`expected one intent part and a header, found ${items.length} items`);
  const intent = JSON.parse(gunzipSync(parts[0]?.data as Uint8Array).toString('utf8')) as { tallies: Tally[] };
  const perHour = (tally: Tally): unknown[] => {
    if (tally.kind !== 'client') return [tally];
    const { day, seen: _seen, ...rest } = tally;
    const hours = Object.keys(tally.counters).filter((name) => name.startsWith(COUNTER_PREFIXES.httpInHour));
    const others = Object.fromEntries(
      Object.entries(tally.counters).filter(
        ([name]) => !name.startsWith(COUNTER_PREFIXES.httpInHour) && name !== 'http',
      ),
    );
    if (hours.length === 0) return [{ ...rest, hour: `${day}T00`, counters: others, seen: [] }];
    return hours.map((name, index) => ({
      ...rest,
      hour: `${day}T${name.slice(COUNTER_PREFIXES.httpInHour.length)}`,
      counters: { ...(index === 0 ? others : {}), http: tally.counters[name] },
      seen: [],
    }));
  };
  const payload = gzipSync(JSON.stringify({ ...intent, tallies: intent.tallies.flatMap(perHour) }));
  await client.send(new PutItemCommand({ TableName: table, Item: marshall({ ...parts[0], data: payload }) }));
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: marshall({ ...header, digest: createHash('sha256').update(payload).digest('base64url') }),
    }),
  );
}
