import { withoutRawControls } from '../../lib/core/untrusted-text';

/**
 * How every command writes: results to stdout, progress and errors to stderr. Text for a person
 * passes `withoutRawControls` on its way out: a value from the logs a caller forgot to show by the
 * rule (lib/core/untrusted-text.ts) still reaches the terminal escaped. JSON is written exactly.
 */

export function print(text: string): void {
  process.stdout.write(`${withoutRawControls(text)}\n`);
}

export function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

/** A progress or error line, prefixed with the program's name; an error message may quote a log's content. */
export function note(message: string): void {
  process.stderr.write(`cleartrail: ${withoutRawControls(message)}\n`);
}

/** Prints a usage problem with the pointer to `--help`; returns the usage exit code, 2. */
export function usageError(message: string): number {
  process.stderr.write(`cleartrail: ${withoutRawControls(message)}\nRun "cleartrail --help" for usage.\n`);
  return 2;
}
