import { createSourceClassifier, type SourceClassifier } from '../classify/request-source';
import { PermanentLogError, UnrecoverableBatchError } from '../core/errors';
import { mergeTallies, type SharedRequestTallies } from '../core/tally';
import type { ReadLimits } from '../formats/cloudtrail-reader';
import type { FormatSummary, LogIdentity, LogInput } from '../formats/format';
import type { NamedNetwork } from '../net/named-networks';
import type { BatchOutcome, BatchPlan, CountingStore, LogEntry } from '../store';
import { MAX_LOGS_PER_BATCH, UNRECOVERABLE_BATCH } from '../store';
import { type FoldedLog, LogFold } from './fold';
import type { RangesProvider } from './ranges-provider';

/** What counting needs besides the logs themselves; built once per process and passed down. */
export interface CountingContext<Store extends CountingStore = CountingStore> {
  store: Store;
  ranges: RangesProvider;
  networks: readonly NamedNetwork[];
  limits?: ReadLimits;
  now?: () => Date;
}

/** A log folded into tallies, with what its reader saw. */
export interface FoldResult extends FoldedLog {
  read: FormatSummary;
}

export type CountResult =
  | { status: 'counted'; log: LogIdentity; summary: FoldedLog['summary']; read: FormatSummary; store: BatchOutcome }
  | { status: 'already-counted'; log: LogIdentity }
  /** An earlier attempt had claimed the log and stopped; this call finished counting it from that attempt's intent. */
  | { status: 'completed'; log: LogIdentity; batchId: string; store: BatchOutcome }
  | { status: 'failed'; log: LogIdentity; error: PermanentLogError };

export interface CountBatchOptions {
  /** Folds a log somewhere else, such as a worker thread; by default it is read here. */
  fold?: (log: LogInput) => Promise<FoldResult>;
}

/** Reads one log and folds its requests into tallies. Throws a PermanentLogError for an unusable log. */
export async function foldLog(
  log: LogInput,
  options: { sources: SourceClassifier; limits?: ReadLimits },
): Promise<FoldResult> {
  const fold = new LogFold(options.sources.rangesSyncToken, log.format.name);
  const batches = log.format.requests(await log.open(), log.location, options);
  try {
    let step = await batches.next();
    while (!step.done) {
      for (const request of step.value) fold.add(request);
      step = await batches.next();
    }
    return { ...fold.finish(step.value), read: step.value };
  } finally {
    await batches.return(undefined as never);
  }
}

/**
 * The one pipeline behind the Lambda handler and the CLI: read and fold every log of the batch,
 * merge their tallies, and commit them in one exactly-once batch (store/ledger.ts). A log is
 * folded whole before anything is written, so a log that turns out to be corrupt half-way counts
 * not at all: it is recorded as failed and the others count. Anything else is thrown for the
 * caller to retry; whatever was claimed by then is completed by the retry, never counted twice.
 *
 * Logs already counted cost one read of their ledger entry and no GetObject; logs that an
 * unfinished batch claimed are completed from that batch's stored intent, without reading them.
 */
export async function countBatch(
  context: CountingContext,
  logs: readonly LogInput[],
  options: CountBatchOptions = {},
): Promise<CountResult[]> {
  const results = new Map<LogInput, CountResult>();
  const byId = new Map<string, LogInput>();
  for (const log of logs) {
    if (byId.has(log.id)) results.set(log, { status: 'already-counted', log: identity(log) });
    else byId.set(log.id, log);
  }
  let sources: SourceClassifier | undefined;
  const folded = new Map<string, FoldResult>();
  let pending = [...byId.values()];
  // Each round either commits or learns that another batch claimed some of the logs since their
  // state was read; those leave the batch, so the rounds end.
  while (pending.length > 0) {
    const states = await context.store.ledger.states(pending.map((log) => log.id));
    const unfinished = new Map<string, LogInput[]>();
    const fresh: LogInput[] = [];
    for (const log of pending) {
      const state = states.get(log.id);
      if (state?.state === 'new') fresh.push(log);
      else if (state?.state === 'claimed')
        unfinished.set(state.batchId, [...(unfinished.get(state.batchId) ?? []), log]);
      else results.set(log, { status: 'already-counted', log: identity(log) });
    }
    for (const [batchId, claimed] of unfinished) {
      try {
        const store = await context.store.ledger.resume(batchId);
        for (const log of claimed) results.set(log, { status: 'completed', log: identity(log), batchId, store });
      } catch (error) {
        if (!(error instanceof UnrecoverableBatchError)) throw error;
        await recordUnrecoverable(context, claimed, error, results);
      }
    }

    for (const log of fresh) {
      if (folded.has(log.id)) continue;
      try {
        if (options.fold) folded.set(log.id, await options.fold(log));
        else {
          sources ??= createSourceClassifier(await context.ranges.current(), context.networks);
          folded.set(log.id, await foldLog(log, { sources, limits: context.limits }));
        }
      } catch (error) {
        if (!(error instanceof PermanentLogError)) throw error;
        await context.store.recordFailure({
          logId: log.id,
          location: log.location,
          code: error.code,
          message: error.message,
          failedAt: (context.now?.() ?? new Date()).toISOString(),
        });
        results.set(log, { status: 'failed', log: identity(log), error });
      }
    }
    const committable = fresh.filter((log) => folded.has(log.id));
    pending = [];
    for (let start = 0; start < committable.length; start += MAX_LOGS_PER_BATCH) {
      const group = committable.slice(start, start + MAX_LOGS_PER_BATCH);
      let commit: Awaited<ReturnType<typeof context.store.ledger.commit>>;
      try {
        commit = await context.store.ledger.commit(batchPlan(group, folded));
      } catch (error) {
        if (!(error instanceof UnrecoverableBatchError)) throw error;
        await recordUnrecoverable(context, group, error, results);
        continue;
      }
      if (commit.status === 'conflict') {
        pending.push(...group);
        continue;
      }
      for (const log of group) {
        const fold = folded.get(log.id) as FoldResult;
        results.set(log, {
          status: 'counted',
          log: identity(log),
          summary: fold.summary,
          read: fold.read,
          store: commit.outcome,
        });
      }
    }
  }
  return logs.map((log) => results.get(log) as CountResult);
}

/**
 * The logs of a batch that cannot be completed, as failed. The ledger recorded the logs its
 * header names; a header of an older version names none, so the logs met here are recorded too.
 */
async function recordUnrecoverable(
  context: CountingContext,
  logs: readonly LogInput[],
  error: UnrecoverableBatchError,
  results: Map<LogInput, CountResult>,
): Promise<void> {
  const recorded = new Set(error.logs.map((log) => log.id));
  for (const log of logs) {
    if (!recorded.has(log.id)) {
      await context.store.recordFailure({
        logId: log.id,
        location: log.location,
        code: UNRECOVERABLE_BATCH,
        message: error.message,
        failedAt: (context.now?.() ?? new Date()).toISOString(),
      });
    }
    results.set(log, {
      status: 'failed',
      log: identity(log),
      error: new PermanentLogError(log.location, UNRECOVERABLE_BATCH, error.message, error),
    });
  }
}

/** One log as a batch of one: what a single delivery costs. */
export async function countLog(context: CountingContext, log: LogInput): Promise<CountResult> {
  return (await countBatch(context, [log]))[0] as CountResult;
}

/**
 * Merges the folds of a batch. A cross-account request whose two copies are both in the batch
 * is kept once, as the claim of its first copy would win over the second.
 */
function batchPlan(logs: readonly LogInput[], folded: ReadonlyMap<string, FoldResult>): BatchPlan {
  const entries: LogEntry[] = [];
  const shared = new Map<string, SharedRequestTallies>();
  for (const log of logs) {
    const fold = folded.get(log.id) as FoldResult;
    entries.push({
      id: log.id,
      location: log.location,
      s3Records: fold.summary.s3Records,
      requests: fold.summary.requests,
    });
    for (const request of fold.shared)
      if (!shared.has(request.sharedEventId)) shared.set(request.sharedEventId, request);
  }
  return {
    logs: entries,
    tallies: mergeTallies(logs.map((log) => (folded.get(log.id) as FoldResult).tallies)),
    shared: [...shared.values()].sort((a, b) => (a.sharedEventId < b.sharedEventId ? -1 : 1)),
  };
}

function identity(log: LogIdentity): LogIdentity {
  return { id: log.id, location: log.location };
}
