/** How every command writes: results to stdout, progress and errors to stderr. */

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

/** A progress or error line, prefixed with the program's name. */
export function note(message: string): void {
  process.stderr.write(`cleartrail: ${message}\n`);
}

/** Prints a usage problem with the pointer to `--help`; returns the usage exit code, 2. */
export function usageError(message: string): number {
  process.stderr.write(`cleartrail: ${message}\nRun "cleartrail --help" for usage.\n`);
  return 2;
}
