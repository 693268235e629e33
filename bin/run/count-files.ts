import { retryDecision, StoreUnavailableError } from '../../lib/core/errors';
import { withoutRawControls } from '../../lib/core/untrusted-text';
import type { RunResult } from '../../lib/count/batch-runner';
import { type CountingContext, countLog } from '../../lib/count/pipeline';
import type { LogInput } from '../../lib/formats/format';
import { note } from '../render/output';

/** What became of one log file in `analyze` or `reprocess`, as `--json` reports it. */
export type FileResult =
  | { status: 'counted'; location: string; requests: number }
  /** `completed`: an interrupted earlier run had claimed it; this run finished counting it. */
  | { status: 'already-counted' | 'completed'; location: string }
  | { status: 'failed' | 'error'; location: string; code: string; message: string };

/** A file's result in a batched run, and its line on stderr when it went wrong. */
export function reportRunResult(result: RunResult): FileResult {
  const location = result.log.location;
  switch (result.status) {
    case 'counted':
      return { status: 'counted', location, requests: result.summary.requests };
    case 'already-counted':
    case 'completed':
      return { status: result.status, location };
    case 'failed':
      note(`${result.error.message} [${result.error.code}]; nothing from it was counted`);
      return { status: 'failed', location, code: result.error.code, message: result.error.message };
    case 'not-counted': {
      const message = `${location}: ${result.error.message}`;
      note(`${message}; not counted`);
      return { status: 'error', location, code: result.error.name, message };
    }
  }
}

/** What to tell the user about the logs a stopped run did not count. */
export function rerunAdvice(results: readonly RunResult[]): string | undefined {
  const stopped = results.filter((result) => result.status === 'not-counted');
  const first = stopped[0];
  if (first?.status !== 'not-counted') return undefined;
  return retryDecision(first.error) === 'retry'
    ? `stopped with ${stopped.length} files not counted; run the same command again to finish: nothing is counted twice`
    : `stopped with ${stopped.length} files not counted; running the command again will not help until the cause is fixed`;
}

/**
 * Counts one file and says on stderr what went wrong, if anything, and what to do about it:
 * an unusable file is recorded as failed; any other error says whether running the command
 * again can help (`retryDecision`, the rule the Lambda answers follow too).
 */
export async function countWithReport(context: CountingContext, source: LogInput): Promise<FileResult> {
  try {
    const result = await countLog(context, source);
    if (result.status === 'failed') {
      note(`${result.error.message} [${result.error.code}]; nothing from it was counted`);
      return { status: 'failed', location: source.location, code: result.error.code, message: result.error.message };
    }
    if (result.status === 'already-counted' || result.status === 'completed')
      return { status: result.status, location: source.location };
    return { status: 'counted', location: source.location, requests: result.summary.requests };
  } catch (error) {
    // The store is gone: the caller stops the whole run (storeGone) instead of trying each file.
    if (error instanceof StoreUnavailableError) throw error;
    const message = `${source.location}: ${(error as Error).message}`;
    note(
      `${message}; ${
        retryDecision(error) === 'retry'
          ? 'running the command again may count it (counted files are skipped)'
          : 'running the command again will not help until the cause is fixed'
      }`,
    );
    return { status: 'error', location: source.location, code: (error as Error).name, message };
  }
}

/** The store error that stopped a batched run, if that is what stopped it. */
export function storeGoneIn(results: readonly RunResult[]): StoreUnavailableError | undefined {
  for (const result of results) {
    if (result.status === 'not-counted' && result.error instanceof StoreUnavailableError) return result.error;
  }
  return undefined;
}

/**
 * Ends a run whose store stopped answering: names the files not counted and how to finish, and
 * returns exit code 3. Nothing of a file is half counted (the ledger counts a file whole or not
 * at all), and a rerun skips the files already counted.
 */
export function storeGone(error: StoreUnavailableError, notCounted: readonly string[]): number {
  const rerun = ['cleartrail', ...process.argv.slice(2)].join(' ');
  process.stderr.write(
    withoutRawControls(
      [
        `cleartrail: ${error.message}; stopped.`,
        `cleartrail: ${notCounted.length} ${notCounted.length === 1 ? 'file was' : 'files were'} not counted:`,
        ...notCounted.map((file) => `  ${file}`),
        `cleartrail: rerunning the same command finishes the job: ${rerun}`,
        '',
      ].join('\n'),
    ),
  );
  return 3;
}
