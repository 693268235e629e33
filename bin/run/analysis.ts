import { createSourceClassifier } from '../../lib/classify/request-source';
import { type BatchLimits, countInBatches, type Progress, type RunResult } from '../../lib/count/batch-runner';
import { type CountingContext, foldLog } from '../../lib/count/pipeline';
import type { LogInput } from '../../lib/formats/format';
import type { NamedNetwork } from '../../lib/net/named-networks';
import { FoldPool } from './fold-pool';

export interface AnalysisOptions {
  networks: readonly NamedNetwork[];
  workers?: number;
  limits?: Partial<BatchLimits>;
  /** Where progress goes; only when it is a terminal (see progressPrinter). */
  progress?: (progress: Progress) => void;
}

export interface Analysis {
  results: RunResult[];
  writeUnits: number;
}

/**
 * Counts local log files: read and folded on worker threads, committed in batches by this
 * thread while the next batch is read.
 */
export async function analyzeFiles(
  context: CountingContext,
  logs: readonly LogInput[],
  options: AnalysisOptions,
): Promise<Analysis> {
  const pool = new FoldPool({ size: options.workers, networks: options.networks });
  try {
    const results = await countInBatches(context, logs, {
      fold: (log) => pool.fold(log),
      // One file waiting per worker keeps every worker busy while the main thread commits.
      concurrency: pool.size * 2,
      limits: options.limits,
      onProgress: options.progress,
    });
    return { results, writeUnits: writeUnitsOf(results) };
  } finally {
    await pool.close();
  }
}

/** Objects read from S3 wait on the network more than on the CPU: this many are read at once. */
const S3_READS_AT_ONCE = 8;

/**
 * Counts log objects in S3: streamed and folded in this thread, several at once, and committed in
 * batches while the next batch is read.
 */
export async function analyzeObjects(
  context: CountingContext,
  logs: readonly LogInput[],
  options: AnalysisOptions,
): Promise<Analysis> {
  const sources = createSourceClassifier(await context.ranges.current(), context.networks);
  const results = await countInBatches(context, logs, {
    fold: (log) => foldLog(log, { sources, limits: context.limits }),
    concurrency: S3_READS_AT_ONCE,
    limits: options.limits,
    onProgress: options.progress,
  });
  return { results, writeUnits: writeUnitsOf(results) };
}

/** A batch's outcome is shared by its logs: each batch counts once. */
function writeUnitsOf(results: readonly RunResult[]): number {
  const batches = new Map<string, number>();
  for (const result of results) {
    if (result.status === 'counted') batches.set(result.store.batchId, result.store.writeUnits);
  }
  return [...batches.values()].reduce((sum, units) => sum + units, 0);
}

/**
 * Progress on one stderr line rewritten in place: logs done, records per second and the time
 * left. Quiet when stderr is not a terminal, so pipes, CI and `--json` see nothing of it.
 */
export function progressPrinter(stream: NodeJS.WriteStream): ((progress: Progress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  let last = 0;
  return (progress) => {
    const now = performance.now();
    const done = progress.logsDone === progress.logsTotal;
    if (!done && now - last < 250) return;
    last = now;
    const perSecond = progress.elapsedSeconds > 0 ? progress.records / progress.elapsedSeconds : 0;
    const rate = progress.logsDone > 0 ? progress.elapsedSeconds / progress.logsDone : 0;
    const left = rate * (progress.logsTotal - progress.logsDone);
    const line =
      `${progress.logsDone}/${progress.logsTotal} files, ${Math.round(perSecond).toLocaleString('en-US')} records/s` +
      (done ? `, ${progress.elapsedSeconds.toFixed(1)} s` : `, about ${Math.ceil(left)} s left`);
    stream.write(`\r\x1b[2K${line}${done ? '\n' : ''}`);
  };
}
