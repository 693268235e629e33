/**
 * The narrow faces of a store, each what one kind of caller needs. Two stores implement them:
 * `AggregateStore` (DynamoDB, for the Lambda and `--table`) and `EmbeddedStore` (a file in the
 * CLI's data directory). Report code takes `TallyQueries`, counting takes `CountingStore`, so
 * either store serves both and tests can hand either one in.
 */
import type { AccessLogReading, TrailReading } from '../core/event-selectors';
import type { NewHttpClient } from '../core/http-identity';
import type { ClientTally, HourTally } from '../core/tally';
import type { TimeWindow } from '../core/time-window';
import type { FailureRecord } from './failures';
import type { BatchOutcome, BatchPlan, CommitResult, LedgerState, RecoveryReport } from './ledger';

/** What reports read: the bucket index, tallies in a window, first-seen clients. */
export interface TallyQueries {
  listBuckets(): Promise<string[]>;
  hourTallies(bucket: string, window: TimeWindow): Promise<HourTally[]>;
  clientTallies(bucket: string, window: TimeWindow): Promise<ClientTally[]>;
  /** Clients whose plain HTTP to the bucket was first seen in the window, oldest first. */
  newHttpClients(bucket: string, window: TimeWindow): Promise<Array<NewHttpClient & { notifiedAt?: string }>>;
}

/** The exactly-once protocol as counting sees it: where logs stand, and one commit per batch. */
export interface BatchLedger {
  states(logIds: readonly string[]): Promise<Map<string, LedgerState>>;
  commit(plan: BatchPlan): Promise<CommitResult>;
  /** Completes a batch another attempt claimed and left unfinished. */
  resume(batchId: string): Promise<BatchOutcome>;
}

/**
 * Completing batches that were claimed and then abandoned (a process killed, a message
 * dead-lettered, a CLI run never repeated). The embedded store commits a batch in one local
 * transaction, so it never leaves one: its report is always empty.
 */
export interface BatchRecovery {
  /** Completes the batches claimed more than `olderThanSeconds` ago and not done. */
  recoverBatches(options: { olderThanSeconds: number }): Promise<RecoveryReport>;
}

export interface FailureRecords {
  recordFailure(failure: FailureRecord): Promise<void>;
  clearFailure(logId: string): Promise<void>;
  listFailures(): Promise<FailureRecord[]>;
}

export interface RangesVersions {
  saveIpRanges(version: { syncToken: string; createDate: string; gzippedJson: Uint8Array }): Promise<boolean>;
  loadIpRanges(
    which: 'current' | string,
    options?: { withData?: boolean },
  ): Promise<{ syncToken: string; gzippedJson?: Uint8Array } | undefined>;
}

/** What the counting pipeline writes through. */
export interface CountingStore extends FailureRecords, RangesVersions {
  readonly ledger: BatchLedger;
}

/**
 * What the trails can see, as last read: one reading per trail and one per bucket's access
 * logging. A reading replaces the stored one of the same trail (or bucket) only when it is newer.
 */
export interface CoverageReadings {
  /** @returns whether it was stored (false: a newer reading of the trail is). */
  saveTrailReading(reading: TrailReading): Promise<boolean>;
  trailReadings(): Promise<TrailReading[]>;
  saveAccessLogReading(reading: AccessLogReading): Promise<boolean>;
  accessLogReadings(): Promise<AccessLogReading[]>;
}

/** Everything the CLI asks of a store, whichever it opened. */
export interface CliStore extends CountingStore, TallyQueries, CoverageReadings, BatchRecovery {}
