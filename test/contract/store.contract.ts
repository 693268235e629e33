/**
 * The store's behaviour, one suite for both stores: the DynamoDB store on DynamoDB Local
 * (dynamodb.test.ts) and the CLI's embedded store (embedded.test.ts). Each test counts the same
 * synthetic logs with the same faults: a crash at a random moment (SIGKILL of a real process),
 * overlapping batches committed at the same time, a corrupt log in a batch, a fault between fold
 * and commit; and compares what the store reports with the logs counted one by one.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import type { TrailReading } from '../../lib/core/event-selectors';
import { type CountingContext, countBatch, countLog } from '../../lib/count/pipeline';
import { fixedIpRanges } from '../../lib/count/ranges-provider';
import type { LogInput } from '../../lib/formats/format';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { loadBucketReports, loadNewHttpClients } from '../../lib/report/queries';
import type { CliStore } from '../../lib/store';
import { bufferSource, dumpStore } from '../support/counting';
import { syntheticRecords } from '../support/synthetic-log';

/** A kind of store under test. */
export interface StoreSubject {
  name: string;
  /** A new empty store; `open` gives another connection to it, as another process would have. */
  fresh(): Promise<{ open(): Promise<CliStore>; childArgs: string[] }>;
}

const COUNTED = ['counted', 'completed', 'already-counted'];

/**
 * Six logs; every ninth S3 record of an even log is a cross-account call whose other copy (its
 * own eventID, the same sharedEventID) is in the next log, as the requester's and the owner's
 * trails deliver them.
 */
const LOGS = (() => {
  const logs: Array<{ name: string; bytes: Buffer }> = [];
  let copies: CloudTrailRecord[] = [];
  for (let index = 0; index < 6; index++) {
    const records: CloudTrailRecord[] = [];
    let s3 = 0;
    for (const { record, intended } of syntheticRecords({ records: 90, seed: 70 + index })) {
      if (index % 2 === 0 && intended !== 'non-s3' && ++s3 % 9 === 0) {
        record.sharedEventID = `pair-${index}-${s3}`;
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
const ALL = [0, 1, 2, 3, 4, 5];
const sources = (indexes: readonly number[]): LogInput[] =>
  indexes.map((index) => bufferSource(LOGS[index]?.name as string, LOGS[index]?.bytes as Buffer));

function context(store: CliStore): CountingContext {
  return { store, ranges: fixedIpRanges(bundledIpRanges()), networks: [] };
}

export function describeStoreContract(subject: StoreSubject): void {
  describe(`Store contract: ${subject.name}`, () => {
    let truth: Record<string, unknown>;

    beforeAll(async () => {
      // The ground truth: every log counted alone, one after the other.
      const store = await (await subject.fresh()).open();
      for (const log of sources(ALL)) expect((await countLog(context(store), log)).status).toBe('counted');
      truth = await dumpStore(store);
      expect(Object.keys(truth).length).toBeGreaterThan(10);
    });

    it('counts a batch exactly as its logs counted one by one, and a second delivery counts nothing', async () => {
      // Prepare
      const store = await (await subject.fresh()).open();

      // Act
      const first = await countBatch(context(store), sources(ALL));
      const again = await countBatch(context(store), sources([4, 1]));

      // Assess
      expect(first.map((result) => result.status)).toEqual(ALL.map(() => 'counted'));
      expect(again.map((result) => result.status)).toEqual(['already-counted', 'already-counted']);
      expect(await dumpStore(store)).toEqual(truth);
    });

    it('counts each shared log once when overlapping batches commit at the same time on two connections', async () => {
      // Prepare
      const fresh = await subject.fresh();
      const [one, two] = await Promise.all([fresh.open(), fresh.open()]);

      // Act
      const [first, second] = await Promise.all([
        countBatch(context(one as CliStore), sources([0, 1, 2, 3])),
        countBatch(context(two as CliStore), sources([2, 3, 4, 5])),
      ]);

      // Assess
      for (const [index, name] of ['log-2', 'log-3'].entries()) {
        const statuses = [first[index + 2]?.status, second[index]?.status];
        expect(
          statuses.filter((status) => status === 'counted'),
          name,
        ).toHaveLength(1);
      }
      expect(await dumpStore(one as CliStore)).toEqual(truth);
    });

    it('records a corrupt log of a batch as failed, counts the others, and counts it once it is fixed', async () => {
      // Prepare
      const store = await (await subject.fresh()).open();
      const broken = LOGS[2]?.bytes.subarray(0, Math.floor((LOGS[2]?.bytes.length ?? 0) * 0.6)) as Buffer;
      const batch = sources(ALL);
      batch[2] = bufferSource('log-2', broken);

      // Act
      const results = await countBatch(context(store), batch);
      const failures = await store.listFailures();
      const fixed = await countBatch(context(store), sources([2]));
      await store.clearFailure('log-2');

      // Assess
      expect(results.map((result) => result.status)).toEqual([
        'counted',
        'counted',
        'failed',
        'counted',
        'counted',
        'counted',
      ]);
      expect(failures.map((failure) => [failure.logId, failure.code])).toEqual([['log-2', expect.any(String)]]);
      expect(fixed[0]?.status).toBe('counted');
      expect(await store.listFailures()).toEqual([]);
      expect(await dumpStore(store)).toEqual(truth);
    });

    it('counts nothing of a batch whose run fails between fold and commit, and a rerun equals the truth', async () => {
      // Prepare: the fold of the last log fails with an error that is not the log's fault, after
      // the others were folded, as when the process loses its worker.
      const store = await (await subject.fresh()).open();
      const folds = countBatch(context(store), sources(ALL), {
        fold: async (log) => {
          if (log.id === 'log-5') throw new Error('worker lost');
          const { foldLog } = await import('../../lib/count/pipeline');
          const { createSourceClassifier } = await import('../../lib/classify/request-source');
          return foldLog(log, { sources: createSourceClassifier(bundledIpRanges(), []) });
        },
      });

      // Act
      await expect(folds).rejects.toThrow('worker lost');
      const before = await store.listBuckets();
      const rerun = await countBatch(context(store), sources(ALL));

      // Assess
      expect(before).toEqual([]);
      expect(rerun.map((result) => result.status)).toEqual(ALL.map(() => 'counted'));
      expect(await dumpStore(store)).toEqual(truth);
    });

    it('equals the truth after a counting process is killed (SIGKILL) at random moments and the run is repeated', async () => {
      // Prepare
      const folder = mkdtempSync(path.join(tmpdir(), 'cleartrail-contract-kill-'));
      const files = LOGS.map((log) => {
        const file = path.join(folder, log.name);
        writeFileSync(file, log.bytes);
        return file;
      });
      const failures: string[] = [];
      const delays = [0, 15, 40, 80, 150];

      for (const delay of delays) {
        const fresh = await subject.fresh();
        // Act: killed at `delay` ms after it opened its store, then every log counted again.
        const said = await runAndKill([...fresh.childArgs, ...files], delay);
        const store = await fresh.open();
        const retry = await countBatch(context(store), sources(ALL));

        // Assess
        if (!said.startsWith('ready')) failures.push(`killed after ${delay} ms: the child said ${said}`);
        if (!retry.every((result) => COUNTED.includes(result.status))) failures.push(`${delay} ms: retry not counted`);
        if (JSON.stringify(await dumpStore(store)) !== JSON.stringify(truth))
          failures.push(`${delay} ms: aggregates differ`);
      }
      expect(failures).toEqual([]);
    }, 120_000);

    it('answers the report queries from what it counted', async () => {
      // Prepare
      const store = await (await subject.fresh()).open();
      await countBatch(context(store), sources(ALL));

      // Act
      const reports = await loadBucketReports(store, { window: {} });
      const newClients = await loadNewHttpClients(store, { window: {} });

      // Assess
      const total = reports.reduce((sum, report) => sum + report.total, 0);
      const hours = Object.entries(truth).filter(([, tally]) => (tally as { kind: string }).kind === 'hour');
      const expected = hours.reduce(
        (sum, [, tally]) =>
          sum +
          Object.entries((tally as { counters: Record<string, number> }).counters)
            .filter(([name]) => ['http', 'https', 'service', 'unknown'].includes(name))
            .reduce((n, [, value]) => n + value, 0),
        0,
      );
      expect(total).toBe(expected);
      expect(newClients.length).toBeGreaterThan(0);
      expect(new Set(newClients.map((client) => `${client.bucket} ${client.identity}`)).size).toBe(newClients.length);
    });

    it('keeps the newest coverage reading of each trail and bucket, whichever is saved last, on two connections', async () => {
      // Prepare
      const fresh = await subject.fresh();
      const [one, two] = (await Promise.all([fresh.open(), fresh.open()])) as [CliStore, CliStore];
      const trail = (name: string, readAt: string): TrailReading => ({
        trailArn: `arn:aws:cloudtrail:us-east-1:111122223333:trail/${name}`,
        name,
        readAt,
        logBucket: 'trail-logs',
        advancedEventSelectors: [{ Name: readAt, FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }],
      });
      const logging = (readAt: string, enabled: boolean) => ({ bucket: 'acme-data', readAt, enabled });

      // Act
      const saved = [
        await one.saveTrailReading(trail('main', '2026-12-01T10:00:00.000Z')),
        await two.saveTrailReading(trail('main', '2026-12-02T10:00:00.000Z')),
        await one.saveTrailReading(trail('main', '2026-12-01T12:00:00.000Z')),
        await one.saveTrailReading(trail('other', '2026-11-01T00:00:00.000Z')),
        await one.saveAccessLogReading(logging('2026-12-02T00:00:00.000Z', true)),
        await two.saveAccessLogReading(logging('2026-12-01T00:00:00.000Z', false)),
      ];

      // Assess
      expect(saved).toEqual([true, true, false, true, true, false]);
      const trails = (await two.trailReadings()).sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(trails).toEqual([trail('main', '2026-12-02T10:00:00.000Z'), trail('other', '2026-11-01T00:00:00.000Z')]);
      expect(await one.accessLogReadings()).toEqual([logging('2026-12-02T00:00:00.000Z', true)]);
    });
  });
}

/** Forks store-child.ts, SIGKILLs it `delay` ms after it is ready, and resolves to what it printed. */
async function runAndKill(args: readonly string[], delay: number): Promise<string> {
  const child = fork(path.join(__dirname, 'store-child.ts'), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let output = '';
  await new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) resolve();
    });
    child.on('exit', () => resolve());
  });
  await new Promise((resolve) => setTimeout(resolve, delay));
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
    else child.on('exit', resolve);
  });
  child.kill('SIGKILL');
  await exited;
  return output.trim();
}
