/**
 * The CLI's store: one SQLite file in the data directory, run in-process from WebAssembly
 * (node-sqlite3-wasm: no native build, no download, the same on every platform Node runs on).
 * It keeps the DynamoDB layout's items (layout.ts) as JSON under the same keys, so tallies,
 * first-seen markers, failures and ranges read back through the same functions, and a new
 * counter or item kind is a change to layout.ts only.
 *
 * Exactly once is one SQLite transaction per batch: the logs' ledger rows, the tallies they
 * add, cross-account claims and first-seen markers commit together or not at all, so there is
 * no intent to resume and a log is either `new` or `done`. Every access runs under a lock file
 * held only for that one synchronous transaction (file-lock.ts), so any number of commands may
 * share a data directory: they take turns per commit, never per command.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { CleartrailError } from '../core/errors';
import type { AccessLogReading, TrailReading } from '../core/event-selectors';
import { httpClientSightings, type NewHttpClient } from '../core/http-identity';
import type { ClientTally, HourTally, Tally } from '../core/tally';
import type { TimeWindow } from '../core/time-window';
import type { FailureRecord } from './failures';
import { FileLock, type LockHolder } from './file-lock';
import {
  addTallyToItem,
  clientTallyOf,
  coverageReadingItem,
  coverageReadingOf,
  FIRST_SEEN,
  hourTallyOf,
  type Key,
  keys,
  type PlainItem,
  plainFirstSeenItem,
  READ_AT,
} from './layout';
import {
  type BatchOutcome,
  type BatchPlan,
  type CommitResult,
  type LedgerState,
  MAX_LOGS_PER_BATCH,
  type RecoveryReport,
} from './ledger';
import { clientsFirstSeenIn } from './new-clients';
import type { BatchLedger, CliStore } from './ports';

/** The database file inside the data directory. */
export const EMBEDDED_FILE = 'store.sqlite';
const LOCK_FILE = 'store.lock';
/** Bumped when the item layout changes in a way older versions would misread. */
const SCHEMA_VERSION = 1;
const MAX_FAILURE_MESSAGE = 2000;

export interface EmbeddedStoreOptions {
  /** What this process is doing, shown to commands that wait for it. */
  command?: string;
  /** Told when a command waits for another one's commit. */
  onWait?: (holder: LockHolder | undefined, waitedMs: number) => void;
  now?: () => Date;
}

export class EmbeddedStore implements CliStore {
  readonly ledger: BatchLedger;
  private readonly lock: FileLock;
  private readonly now: () => Date;

  private constructor(
    private readonly db: Database,
    readonly dataDir: string,
    options: EmbeddedStoreOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.lock = new FileLock(path.join(dataDir, LOCK_FILE), {
      command: options.command,
      onWait: options.onWait,
      leftovers: [`${path.join(dataDir, EMBEDDED_FILE)}.lock`],
    });
    this.ledger = {
      states: (logIds) => this.states(logIds),
      commit: (plan) => this.commit(plan),
      resume: async (batchId) => {
        throw new CleartrailError(
          `the embedded store commits in one transaction and has no batch ${batchId} to resume`,
          {
            retryable: false,
          },
        );
      },
    };
  }

  /** Opens (creating when absent) the store of a data directory. */
  static async open(dataDir: string, options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
    mkdirSync(dataDir, { recursive: true });
    // Loaded here, not at import, so that commands on a deployed table never compile the engine.
    const engine = (await import('node-sqlite3-wasm')) as SqliteModule & { default?: SqliteModule };
    const { Database } = engine.default ?? engine;
    const db = new Database(path.join(dataDir, EMBEDDED_FILE));
    const store = new EmbeddedStore(db, dataDir, options);
    try {
      await store.lock.run(() => store.migrate());
    } catch (error) {
      db.close();
      throw error;
    }
    return store;
  }

  /** A batch commits here in one SQLite transaction, whole or not at all: none is ever left open. */
  async recoverBatches(_options: { olderThanSeconds: number }): Promise<RecoveryReport> {
    return { found: 0, completed: [], failed: [] };
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Every item of the store, for `store export`: tallies, index, ledger rows, markers. */
  async items(): Promise<PlainItem[]> {
    return this.read(() => this.db.all('SELECT item FROM items ORDER BY pk, sk').map(parseRow));
  }

  /** A value kept in the store's own partition (its id, exports done). */
  async meta(name: string): Promise<string | undefined> {
    return this.read(() => {
      const row = this.getItem({ pk: META_PARTITION, sk: name });
      return typeof row?.value === 'string' ? row.value : undefined;
    });
  }

  async setMeta(name: string, value: string): Promise<void> {
    await this.write(() => this.putItem({ pk: META_PARTITION, sk: name, value }));
  }

  listBuckets(): Promise<string[]> {
    return this.read(() => this.partition(keys.bucketIndexPartition).map((item) => String(item.sk)));
  }

  hourTallies(bucket: string, window: TimeWindow): Promise<HourTally[]> {
    return this.read(() =>
      this.between(keys.bucketPartition(bucket), keys.sortKeyRange('hour', window)).map(hourTallyOf),
    );
  }

  clientTallies(bucket: string, window: TimeWindow): Promise<ClientTally[]> {
    return this.read(() =>
      this.between(keys.bucketPartition(bucket), keys.sortKeyRange('client', window)).map(clientTallyOf),
    );
  }

  newHttpClients(bucket: string, window: TimeWindow): Promise<Array<NewHttpClient & { notifiedAt?: string }>> {
    return this.read(() =>
      clientsFirstSeenIn(this.partition(keys.bucketPartition(bucket), keys.firstSeenPrefix), window),
    );
  }

  recordFailure(failure: FailureRecord): Promise<void> {
    return this.write(() =>
      this.putItem({
        ...keys.failure(failure.logId),
        location: failure.location,
        code: failure.code,
        message: failure.message.slice(0, MAX_FAILURE_MESSAGE),
        failedAt: failure.failedAt,
      }),
    );
  }

  clearFailure(logId: string): Promise<void> {
    const key = keys.failure(logId);
    return this.write(() => {
      this.db.run('DELETE FROM items WHERE pk = ? AND sk = ?', [key.pk, key.sk]);
    });
  }

  listFailures(): Promise<FailureRecord[]> {
    return this.read(() =>
      this.partition(keys.failuresPartition).map((item) => ({
        logId: String(item.sk),
        location: String(item.location),
        code: String(item.code),
        message: String(item.message),
        failedAt: String(item.failedAt),
      })),
    );
  }

  saveIpRanges(version: { syncToken: string; createDate: string; gzippedJson: Uint8Array }): Promise<boolean> {
    const item = (which: string): PlainItem => ({
      ...keys.ranges(which),
      syncToken: version.syncToken,
      createDate: version.createDate,
      data: Buffer.from(version.gzippedJson).toString('base64'),
      savedAt: this.now().toISOString(),
    });
    return this.write(() => {
      this.putItem(item(version.syncToken));
      const current = this.getItem(keys.ranges('current'));
      if (current !== undefined && !(Number(current.syncToken) < Number(version.syncToken))) return false;
      this.putItem(item('current'));
      return true;
    });
  }

  loadIpRanges(
    which: 'current' | string,
    options: { withData?: boolean } = {},
  ): Promise<{ syncToken: string; gzippedJson?: Uint8Array } | undefined> {
    return this.read(() => {
      const stored = this.getItem(keys.ranges(which));
      if (typeof stored?.syncToken !== 'string') return undefined;
      if (options.withData === false || typeof stored.data !== 'string') return { syncToken: stored.syncToken };
      return { syncToken: stored.syncToken, gzippedJson: new Uint8Array(Buffer.from(stored.data, 'base64')) };
    });
  }

  saveTrailReading(reading: TrailReading): Promise<boolean> {
    return this.saveReading(keys.trailReading(reading.trailArn), reading);
  }

  trailReadings(): Promise<TrailReading[]> {
    return this.read(() =>
      this.partition(keys.coveragePartition, keys.trailReadingPrefix).map((item) =>
        coverageReadingOf<TrailReading>(item),
      ),
    );
  }

  saveAccessLogReading(reading: AccessLogReading): Promise<boolean> {
    return this.saveReading(keys.accessLogReading(reading.bucket), reading);
  }

  accessLogReadings(): Promise<AccessLogReading[]> {
    return this.read(() =>
      this.partition(keys.coveragePartition, keys.accessLogReadingPrefix).map((item) =>
        coverageReadingOf<AccessLogReading>(item),
      ),
    );
  }

  /** Keeps a reading unless the stored one of the same trail or bucket is as new or newer. */
  private saveReading(key: Key, reading: TrailReading | AccessLogReading): Promise<boolean> {
    return this.write(() => {
      const stored = this.getItem(key);
      if (stored !== undefined && !(String(stored[READ_AT]) < reading.readAt)) return false;
      this.putItem(coverageReadingItem(key, reading));
      return true;
    });
  }

  private states(logIds: readonly string[]): Promise<Map<string, LedgerState>> {
    return this.read(() => {
      const states = new Map<string, LedgerState>();
      for (const id of logIds) states.set(id, this.getItem(keys.log(id)) ? { state: 'done' } : { state: 'new' });
      return states;
    });
  }

  private commit(plan: BatchPlan): Promise<CommitResult> {
    if (plan.logs.length === 0 || plan.logs.length > MAX_LOGS_PER_BATCH) {
      throw new RangeError(`a batch holds 1 to ${MAX_LOGS_PER_BATCH} logs, got ${plan.logs.length}`);
    }
    return this.write((): CommitResult => {
      const taken = plan.logs.filter((log) => this.getItem(keys.log(log.id)) !== undefined).map((log) => log.id);
      if (taken.length > 0)
        return { status: 'conflict', taken, writes: { transactionalWrites: 0, plainWrites: 0, writeUnits: 0 } };
      const batchId = randomUUID();
      const committedAt = this.now().toISOString();
      let written = 0;
      const put = (item: PlainItem) => {
        this.putItem(item);
        written++;
      };
      const add = (tally: Tally) => put(addTallyToItem(this.getItem(keys.tally(tally)), tally));
      for (const log of plan.logs) {
        put({
          ...keys.log(log.id),
          state: 'done',
          batch: batchId,
          location: log.location,
          committedAt,
          s3Records: log.s3Records,
          requests: log.requests,
        });
      }
      const buckets = new Set([
        ...plan.tallies.map((tally) => tally.bucket),
        ...plan.shared.flatMap((request) => request.tallies.map((tally) => tally.bucket)),
      ]);
      for (const bucket of buckets) put(keys.bucketIndex(bucket));
      for (const tally of plan.tallies) add(tally);
      let claimsWon = 0;
      let claimsLost = 0;
      for (const request of plan.shared) {
        const claim = keys.sharedClaim(request.sharedEventId);
        if (this.getItem(claim) !== undefined) {
          claimsLost++;
          continue;
        }
        put({ ...claim, batch: batchId });
        for (const tally of request.tallies) add(tally);
        claimsWon++;
      }
      const firstSeen: BatchOutcome['firstSeen'] = { owned: [], created: 0, known: 0 };
      const sightings = httpClientSightings([...plan.tallies, ...plan.shared.flatMap((request) => request.tallies)]);
      for (const sighting of sightings) {
        const marker = keys.firstSeen(sighting.bucket, sighting.identity);
        if (this.getItem(marker) !== undefined) {
          firstSeen.known++;
          continue;
        }
        const client: NewHttpClient = { ...sighting, batchId };
        put(plainFirstSeenItem(marker, client, { [FIRST_SEEN.recordedAt]: committedAt }));
        firstSeen.owned.push(client);
        firstSeen.created++;
      }
      return {
        status: 'committed',
        outcome: {
          batchId,
          chunks: 1,
          chunksSkipped: 0,
          claimsWon,
          claimsLost,
          firstSeen,
          transactionalWrites: written,
          plainWrites: 0,
          writeUnits: 0,
        },
      };
    });
  }

  private migrate(): void {
    const version = Number(this.db.get('PRAGMA user_version')?.user_version ?? 0);
    if (version > SCHEMA_VERSION) {
      throw new CleartrailError(
        `${this.dataDir} was written by a newer cleartrail (store schema ${version}, this one reads ${SCHEMA_VERSION}): upgrade cleartrail`,
        { retryable: false },
      );
    }
    if (version === SCHEMA_VERSION) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS items (pk TEXT NOT NULL, sk TEXT NOT NULL, item TEXT NOT NULL, PRIMARY KEY (pk, sk)) WITHOUT ROWID',
      );
      this.putItem({ pk: META_PARTITION, sk: 'storeId', value: randomUUID() });
      this.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * One read transaction, so that the engine takes and drops its own file lock once for the whole
   * read rather than per statement: its lock is a directory made and removed each time, and the
   * per-statement locks of the ledger lookups of a day of files took 0.6 s of an already-counted run.
   */
  private read<T>(work: () => T): Promise<T> {
    return this.lock.run(() => {
      this.db.exec('BEGIN');
      try {
        return work();
      } finally {
        if (this.db.inTransaction) this.db.exec('COMMIT');
      }
    });
  }

  /** One transaction: committed when `work` returns, rolled back when it throws or answers a conflict. */
  private write<T>(work: () => T): Promise<T> {
    return this.lock.run(() => {
      this.db.exec('BEGIN IMMEDIATE');
      let result: T;
      try {
        result = work();
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
      if ((result as { status?: string } | undefined)?.status === 'conflict') this.db.exec('ROLLBACK');
      else this.db.exec('COMMIT');
      return result;
    });
  }

  private getItem(key: Key): PlainItem | undefined {
    const row = this.db.get('SELECT item FROM items WHERE pk = ? AND sk = ?', [key.pk, key.sk]);
    return row ? parseRow(row) : undefined;
  }

  private putItem(item: PlainItem): void {
    this.db.run('INSERT OR REPLACE INTO items (pk, sk, item) VALUES (?, ?, ?)', [
      String(item.pk),
      String(item.sk),
      JSON.stringify(item),
    ]);
  }

  private between(pk: string, [from, to]: [string, string]): PlainItem[] {
    return this.db
      .all('SELECT item FROM items WHERE pk = ? AND sk BETWEEN ? AND ? ORDER BY sk', [pk, from, to])
      .map(parseRow);
  }

  private partition(pk: string, prefix = ''): PlainItem[] {
    return this.db
      .all('SELECT item FROM items WHERE pk = ? AND substr(sk, 1, ?) = ? ORDER BY sk', [pk, prefix.length, prefix])
      .map(parseRow);
  }
}

/** The engine is CommonJS whose exports are set at run time: an ESM import sees them under `default`. */
type SqliteModule = typeof import('node-sqlite3-wasm');

/** The store's own items: its id and what it exported. Not part of the DynamoDB layout. */
const META_PARTITION = 'EMBEDDED';

function parseRow(row: Record<string, unknown>): PlainItem {
  return JSON.parse(String(row.item)) as PlainItem;
}
