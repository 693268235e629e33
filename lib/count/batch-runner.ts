import type { LogInput } from '../formats/format';
import { MAX_LOGS_PER_BATCH } from '../store';
import { type CountingContext, type CountResult, countBatch, type FoldResult } from './pipeline';

/** When a batch is committed: whichever limit is reached first. */
export interface BatchLimits {
  /** Logs per batch, at most MAX_LOGS_PER_BATCH (one claim transaction). */
  logs: number;
  /** Compressed bytes read per batch. */
  bytes: number;
  /** Seconds since the batch's first log was folded. */
  seconds: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { logs: MAX_LOGS_PER_BATCH, bytes: 256 * 1024 ** 2, seconds: 30 };

export interface Progress {
  logsDone: number;
  logsTotal: number;
  /** Records read so far, S3 or not. */
  records: number;
  elapsedSeconds: number;
}

export type RunResult =
  | CountResult
  /** Not counted because the run stopped on an error that is not the log's (the store went away). */
  | { status: 'not-counted'; log: { id: string; location: string }; error: Error };

export interface RunOptions {
  /** Folds one log; a worker pool in the CLI. */
  fold: (log: LogInput) => Promise<FoldResult>;
  /** Folds running at once; the pool's size, or a little more to keep it busy. */
  concurrency: number;
  limits?: Partial<BatchLimits>;
  onProgress?: (progress: Progress) => void;
  now?: () => number;
}

type Folded = { log: LogInput; result: FoldResult } | { log: LogInput; error: unknown };

/**
 * Counts many logs: folds them `concurrency` at a time and commits them in batches, the next
 * batch folding while the last one commits. Memory holds at most about two batches of folds.
 * Logs already counted cost a ledger read and are never opened. A log that is unusable is
 * recorded as failed and the others count; any other error stops the run: the batch in flight
 * and every log after it come back `not-counted`, and running again finishes the job, since
 * whatever was claimed is completed from its intent.
 */
export async function countInBatches(
  context: CountingContext,
  logs: readonly LogInput[],
  options: RunOptions,
): Promise<RunResult[]> {
  const limits = { ...DEFAULT_BATCH_LIMITS, ...options.limits };
  if (!Number.isInteger(limits.logs) || limits.logs < 1 || limits.logs > MAX_LOGS_PER_BATCH) {
    throw new RangeError(`a batch holds 1 to ${MAX_LOGS_PER_BATCH} logs, got ${limits.logs}`);
  }
  const now = options.now ?? (() => performance.now());
  const started = now();
  const results = new Map<LogInput, RunResult>();
  const progress: Progress = { logsDone: 0, logsTotal: logs.length, records: 0, elapsedSeconds: 0 };
  const report = () => {
    progress.elapsedSeconds = (now() - started) / 1000;
    options.onProgress?.({ ...progress });
  };

  // Logs already counted are settled with reads of their ledger entries alone.
  const pending: LogInput[] = [];
  for (let start = 0; start < logs.length; start += 100) {
    const slice = logs.slice(start, start + 100);
    const states = await context.store.ledger.states(slice.map((log) => log.id));
    for (const log of slice) {
      if (states.get(log.id)?.state === 'done') {
        results.set(log, { status: 'already-counted', log: { id: log.id, location: log.location } });
        progress.logsDone++;
      } else pending.push(log);
    }
  }
  report();

  const folded: Folded[] = [];
  let wake: (() => void) | undefined;
  let stopped = false;
  let next = 0;
  let running = 0;
  const backlog = 2 * limits.logs;
  const startFolds = () => {
    while (!stopped && running < options.concurrency && next < pending.length && folded.length + running < backlog) {
      const log = pending[next++] as LogInput;
      running++;
      options.fold(log).then(
        (result) => settle({ log, result }),
        (error: unknown) => settle({ log, error }),
      );
    }
  };
  const settle = (entry: Folded) => {
    running--;
    folded.push(entry);
    wake?.();
    startFolds();
  };
  const waitForFold = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });

  startFolds();
  let finished = pending.length === 0;
  while (!finished) {
    const batch: Folded[] = [];
    let bytes = 0;
    let batchStarted: number | undefined;
    while (batch.length < limits.logs && bytes < limits.bytes) {
      const remaining = pending.length - next + running + folded.length;
      if (remaining === 0) break;
      if (folded.length === 0) {
        const timeLeft = batchStarted === undefined ? undefined : limits.seconds * 1000 - (now() - batchStarted);
        if (timeLeft !== undefined && timeLeft <= 0) break;
        if (timeLeft === undefined) await waitForFold();
        else {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            waitForFold(),
            new Promise((resolve) => {
              timer = setTimeout(resolve, timeLeft);
            }),
          ]);
          clearTimeout(timer);
        }
        wake = undefined;
        continue;
      }
      const entry = folded.shift() as Folded;
      startFolds();
      batchStarted ??= now();
      batch.push(entry);
      if ('result' in entry) bytes += entry.result.read.compressedBytes;
    }
    if (batch.length === 0) break;
    const prefolded = new Map(batch.map((entry) => [entry.log.id, entry]));
    try {
      const counted = await countBatch(
        context,
        batch.map((entry) => entry.log),
        {
          fold: async (log) => {
            const entry = prefolded.get(log.id) as Folded;
            if ('error' in entry) throw entry.error;
            return entry.result;
          },
        },
      );
      for (const [index, result] of counted.entries()) {
        const entry = batch[index] as Folded;
        results.set(entry.log, result);
        if ('result' in entry) progress.records += entry.result.read.records;
      }
    } catch (error) {
      stopped = true;
      const reason = error instanceof Error ? error : new Error(String(error));
      // A log the fold could not read for a reason of its own is no cause to stop: countBatch
      // records those. Anything reaching here is the store or the machine.
      for (const entry of batch) results.set(entry.log, notCounted(entry.log, reason));
      for (const log of pending.slice(next)) results.set(log, notCounted(log, reason));
      for (const entry of folded) results.set(entry.log, notCounted(entry.log, reason));
      // Folds still running are left to finish on their own; their results are dropped.
      for (const log of pending.slice(0, next)) if (!results.has(log)) results.set(log, notCounted(log, reason));
      break;
    }
    progress.logsDone += batch.length;
    report();
    finished = pending.length - next + running + folded.length === 0;
  }
  return logs.map((log) => results.get(log) ?? notCounted(log, new Error('the run stopped before this log was read')));
}

function notCounted(log: LogInput, error: Error): RunResult {
  return { status: 'not-counted', log: { id: log.id, location: log.location }, error };
}
