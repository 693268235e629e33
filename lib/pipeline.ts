import type { S3Client } from '@aws-sdk/client-s3';
import { LogAggregator, type LogSummary } from './aggregate';
import { PermanentLogError } from './errors';
import { openLogObject, s3Location } from './log-object';
import { type ReadLimits, type ReadSummary, readS3RecordBatches } from './log-reader';
import type { NamedNetwork } from './networks';
import type { IpRangesSource } from './ranges-source';
import { createSourceClassifier } from './source';
import type { AggregateStore, LogIdentity, StoreOutcome } from './store';
import type { LogObjectRef } from './trigger';

/** What counting needs besides the log itself; built once per process and passed down. */
export interface CountingContext {
  store: AggregateStore;
  ranges: IpRangesSource;
  networks: readonly NamedNetwork[];
  limits?: ReadLimits;
  now?: () => Date;
}

/** A log file to count: its identity, and how to open its bytes (only called when needed). */
export interface LogSource extends LogIdentity {
  open(): Promise<AsyncIterable<Uint8Array>>;
}

export type CountResult =
  | { status: 'counted'; log: LogIdentity; summary: LogSummary; read: ReadSummary; store: StoreOutcome }
  | { status: 'already-counted'; log: LogIdentity }
  | { status: 'failed'; log: LogIdentity; error: PermanentLogError };

/**
 * The one pipeline behind the Lambda handler and the CLI: reader, then verdict and source,
 * then aggregate, then store. The whole file is folded in memory before the first write, so a
 * file that turns out to be corrupt half-way is counted not at all; such a file is recorded
 * as failed (permanent errors) while anything else is thrown for the caller to retry.
 */
export async function countLog(context: CountingContext, log: LogSource): Promise<CountResult> {
  const identity: LogIdentity = { id: log.id, location: log.location };
  // A duplicate delivery costs one query and no GetObject.
  const ledger = await context.store.ledgerState(log.id);
  if (ledger.done) return { status: 'already-counted', log: identity };
  // A retry classifies with the ranges of the attempt it completes, so that it cuts the same chunks.
  const ranges =
    (ledger.rangesSyncToken ? await context.ranges.version(ledger.rangesSyncToken) : undefined) ??
    (await context.ranges.current());
  try {
    const sources = createSourceClassifier(ranges, context.networks);
    const aggregator = new LogAggregator(log.location, sources);
    const batches = readS3RecordBatches(await log.open(), log.location, context.limits);
    let read: ReadSummary;
    try {
      let next = await batches.next();
      while (!next.done) {
        for (const record of next.value) aggregator.add(record);
        next = await batches.next();
      }
      read = next.value;
    } finally {
      // Closes the object stream when the fold stopped early on a bad record.
      await batches.return(undefined as never);
    }
    const aggregate = aggregator.finish();
    const outcome = await context.store.recordLog(identity, aggregate, sources.rangesSyncToken);
    if (outcome.status === 'already-counted') return { status: 'already-counted', log: identity };
    return { status: 'counted', log: identity, summary: aggregate.summary, read, store: outcome };
  } catch (error) {
    if (!(error instanceof PermanentLogError)) throw error;
    await context.store.recordFailure({
      logId: log.id,
      location: log.location,
      code: error.code,
      message: error.message,
      failedAt: (context.now?.() ?? new Date()).toISOString(),
    });
    return { status: 'failed', log: identity, error };
  }
}

/** A log object in S3 as a log source; the Lambda and `cleartrail reprocess` name it the same way. */
export function s3LogSource(s3: S3Client, ref: LogObjectRef): LogSource {
  const location = s3Location(ref);
  return {
    id: cloudTrailLogId(ref.key.slice(ref.key.lastIndexOf('/') + 1)) ?? location,
    location,
    open: () => openLogObject(s3, ref),
  };
}

const CLOUDTRAIL_FILE_NAME = /^(\d{12}_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]{16})\.json(\.gz)?$/;

/**
 * CloudTrail names every delivery file uniquely (account, region, time and 16 random
 * characters), so the name alone identifies the content wherever it is read from: the same
 * file counted by the Lambda and later by `cleartrail analyze` on a downloaded copy counts once.
 * Returns undefined for other names; callers then fall back to the location or a content hash.
 */
export function cloudTrailLogId(fileName: string): string | undefined {
  const match = CLOUDTRAIL_FILE_NAME.exec(fileName);
  return match?.[1];
}
