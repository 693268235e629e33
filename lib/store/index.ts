import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AccessLogReading, TrailReading } from '../core/event-selectors';
import type { NewHttpClient } from '../core/http-identity';
import type { RetryPolicy } from '../core/retry';
import type { ClientTally, HourTally } from '../core/tally';
import type { TimeWindow } from '../core/time-window';
import { CoverageStore } from './coverage';
import { FailureLog, type FailureRecord } from './failures';
import { Ledger, type LedgerOptions, type RecoveryReport } from './ledger';
import { NewClientAlerts } from './new-clients';
import type { CliStore } from './ports';
import { RangesStore } from './ranges';
import { Table } from './table';
import { TallyReader } from './tallies';

export type { FailureRecord } from './failures';
export {
  type BatchOutcome,
  type BatchPlan,
  type CommitResult,
  type LedgerState,
  type LogEntry,
  MAX_LOGS_PER_BATCH,
  type RecoveryReport,
  UNRECOVERABLE_BATCH,
} from './ledger';
export type { FirstSeenOutcome, NewClientAlerts } from './new-clients';
export type {
  BatchLedger,
  BatchRecovery,
  CliStore,
  CountingStore,
  CoverageReadings,
  FailureRecords,
  RangesVersions,
  TallyQueries,
} from './ports';
export type { WriteCount } from './table';

export interface StoreOptions extends LedgerOptions {
  retry?: RetryPolicy;
}

/**
 * The one door to DynamoDB: the exactly-once ledger, the tallies it adds and reads, failure
 * records and stored AWS ranges, each in a module of its own over one table. Built once per
 * process from a client passed in, so tests point it at DynamoDB Local.
 */
export class AggregateStore implements CliStore {
  readonly ledger: Ledger;
  /** The alerts that new plain-HTTP clients owe, for the publisher. */
  readonly alerts: NewClientAlerts;
  private readonly tallies: TallyReader;
  private readonly failures: FailureLog;
  private readonly ranges: RangesStore;
  private readonly coverage: CoverageStore;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
    options: StoreOptions = {},
  ) {
    const table = new Table(client, tableName, options.retry);
    this.ledger = new Ledger(table, options);
    this.tallies = new TallyReader(table);
    this.failures = new FailureLog(table);
    this.ranges = new RangesStore(table, options.now ?? (() => new Date()));
    this.alerts = new NewClientAlerts(table, options.now ?? (() => new Date()));
    this.coverage = new CoverageStore(table);
  }

  recoverBatches(options: { olderThanSeconds: number }): Promise<RecoveryReport> {
    return this.ledger.recover(options);
  }
  listBuckets(): Promise<string[]> {
    return this.tallies.buckets();
  }
  hourTallies(bucket: string, window: TimeWindow): Promise<HourTally[]> {
    return this.tallies.hours(bucket, window);
  }
  clientTallies(bucket: string, window: TimeWindow): Promise<ClientTally[]> {
    return this.tallies.clients(bucket, window);
  }
  /** Clients whose plain HTTP to the bucket was first seen in the window, oldest first. */
  newHttpClients(bucket: string, window: TimeWindow): Promise<Array<NewHttpClient & { notifiedAt?: string }>> {
    return this.alerts.firstSeenIn(bucket, window);
  }
  recordFailure(failure: FailureRecord): Promise<void> {
    return this.failures.record(failure);
  }
  clearFailure(logId: string): Promise<void> {
    return this.failures.clear(logId);
  }
  listFailures(): Promise<FailureRecord[]> {
    return this.failures.list();
  }
  saveIpRanges(version: { syncToken: string; createDate: string; gzippedJson: Uint8Array }): Promise<boolean> {
    return this.ranges.save(version);
  }
  loadIpRanges(which: 'current' | string, options: { withData?: boolean } = {}) {
    return this.ranges.load(which, options);
  }
  saveTrailReading(reading: TrailReading): Promise<boolean> {
    return this.coverage.saveTrail(reading);
  }
  trailReadings(): Promise<TrailReading[]> {
    return this.coverage.trails();
  }
  saveAccessLogReading(reading: AccessLogReading): Promise<boolean> {
    return this.coverage.saveAccessLogs(reading);
  }
  accessLogReadings(): Promise<AccessLogReading[]> {
    return this.coverage.accessLogs();
  }
}
