import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createSourceClassifier } from '../../lib/classify/request-source';
import { countInBatches, type RunResult } from '../../lib/count/batch-runner';
import { countLog, foldLog } from '../../lib/count/pipeline';
import type { LogInput } from '../../lib/formats/format';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { testDynamoDbClient } from '../support/aws';
import { bufferSource, countingContext, dumpAggregates, freshTable } from '../support/counting';
import { syntheticLogJson } from '../support/synthetic-log';

const FAST_RETRIES = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
const LOGS = Array.from({ length: 9 }, (_, index) => ({
  name: `day-log-${index}`,
  bytes: gzipSync(syntheticLogJson({ records: 60, seed: 70 + index })),
}));
const sources = (): LogInput[] => LOGS.map((log) => bufferSource(log.name, log.bytes));

/** Folds in this thread, as the worker threads of `analyze` do, and counts the logs it was asked for. */
function inProcessFold() {
  const sourcesClassifier = createSourceClassifier(bundledIpRanges(), []);
  const folded: string[] = [];
  return {
    folded,
    fold: (log: LogInput) => {
      folded.push(log.id);
      return foldLog(log, { sources: sourcesClassifier });
    },
  };
}

const batchIds = (results: readonly RunResult[]) =>
  new Set(results.flatMap((result) => (result.status === 'counted' ? [result.store.batchId] : [])));

describe('Function: countInBatches', () => {
  it('commits batches of at most the limit and counts exactly as one log at a time', async () => {
    // Prepare
    const client = testDynamoDbClient();
    const oneByOne = await freshTable(client);
    for (const log of sources()) await countLog(countingContext(client, oneByOne), log);
    const table = await freshTable(client);
    const folding = inProcessFold();

    // Act
    const results = await countInBatches(countingContext(client, table), sources(), {
      fold: folding.fold,
      concurrency: 3,
      limits: { logs: 4 },
    });

    // Assess
    expect(results.map((result) => result.status)).toEqual(LOGS.map(() => 'counted'));
    expect(batchIds(results).size).toBe(3);
    expect(await dumpAggregates(client, table)).toEqual(await dumpAggregates(client, oneByOne));
  });

  it('never reads a log that is already counted', async () => {
    // Prepare
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    await countInBatches(countingContext(client, table), sources().slice(0, 5), {
      fold: inProcessFold().fold,
      concurrency: 2,
    });
    const folding = inProcessFold();
    const progress: number[] = [];

    // Act
    const results = await countInBatches(countingContext(client, table), sources(), {
      fold: folding.fold,
      concurrency: 2,
      onProgress: (step) => progress.push(step.logsDone),
    });

    // Assess
    expect(results.map((result) => result.status)).toEqual([
      ...Array.from({ length: 5 }, () => 'already-counted'),
      ...Array.from({ length: 4 }, () => 'counted'),
    ]);
    expect(folding.folded).toEqual(LOGS.slice(5).map((log) => log.name));
    expect(progress.at(0)).toBe(5);
    expect(progress.at(-1)).toBe(9);
  });

  it('stops when the store stops answering, names what it did not count, and a rerun finishes exactly', async () => {
    // Prepare: from DynamoDB call 8 on, every call fails as a closed port does.
    const truthClient = testDynamoDbClient();
    const truth = await freshTable(truthClient);
    for (const log of sources()) await countLog(countingContext(truthClient, truth), log);
    const failing = testDynamoDbClient();
    const table = await freshTable(failing);
    let calls = 0;
    failing.middlewareStack.add(
      (next) => async (args) => {
        if (++calls >= 8) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
        return next(args);
      },
      { step: 'initialize', name: 'storeGone' },
    );

    // Act
    const stopped = await countInBatches(countingContext(failing, table, { retry: FAST_RETRIES }), sources(), {
      fold: inProcessFold().fold,
      concurrency: 2,
      limits: { logs: 3 },
    });
    const healthy = testDynamoDbClient();
    const rerun = await countInBatches(countingContext(healthy, table), sources(), {
      fold: inProcessFold().fold,
      concurrency: 2,
      limits: { logs: 3 },
    });

    // Assess
    const notCounted = stopped.filter((result) => result.status === 'not-counted');
    expect(notCounted.length).toBeGreaterThan(0);
    expect(
      notCounted.every((result) => result.status === 'not-counted' && /ECONNREFUSED/.test(result.error.message)),
    ).toBe(true);
    expect(rerun.every((result) => ['counted', 'completed', 'already-counted'].includes(result.status))).toBe(true);
    expect(await dumpAggregates(healthy, table)).toEqual(await dumpAggregates(truthClient, truth));
  });
});
