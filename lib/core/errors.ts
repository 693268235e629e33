/**
 * Every error cleartrail raises carries its retry decision, so that the handler never has
 * to guess: a transient error goes back for a retry (an SQS message is received again, and
 * dead-lettered after 5 receives; a Batch Operations task is retried); a permanent one is
 * recorded against the log object and not retried.
 */
export class CleartrailError extends Error {
  readonly retryable: boolean;

  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'CleartrailError';
    this.retryable = options.retryable;
  }
}

/** The log object itself is unusable; reading it again gives the same result. */
export class PermanentLogError extends CleartrailError {
  /** Stable code for metrics and the failures list, e.g. `not-gzip`, `no-records`. */
  readonly code: string;

  constructor(
    readonly object: string,
    code: string,
    problem: string,
    cause?: unknown,
  ) {
    super(`${object}: ${problem}`, { retryable: false, cause });
    this.name = 'PermanentLogError';
    this.code = code;
  }
}

/** Corrupt gzip, not JSON, no `Records` array, truncated file. */
export class MalformedLogError extends PermanentLogError {
  constructor(object: string, code: string, problem: string, cause?: unknown) {
    super(object, code, problem, cause);
    this.name = 'MalformedLogError';
  }
}

/** Decompressed size or a single record over its cap: a zip bomb or not a CloudTrail file. */
export class LogTooLargeError extends PermanentLogError {
  constructor(object: string, code: string, problem: string) {
    super(object, code, problem);
    this.name = 'LogTooLargeError';
  }
}

/** Throttling, conflicts, network: the same call may succeed later. */
export class TransientError extends CleartrailError {
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: true, cause });
    this.name = 'TransientError';
  }
}

/**
 * DynamoDB refused a transaction as invalid (`ValidationException`): two actions on one item, an
 * item over 400 KB. The same transaction is refused every time, so it is not retried.
 */
export class TransactionRejectedError extends CleartrailError {
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: false, cause });
    this.name = 'TransactionRejectedError';
  }
}

/**
 * A claimed batch that cannot be completed: its intent expired or is incomplete, or DynamoDB
 * refuses one of its transactions. Its logs are recorded as failed, naming the batch and why.
 */
export class UnrecoverableBatchError extends CleartrailError {
  constructor(
    readonly batchId: string,
    readonly logs: ReadonlyArray<{ id: string; location: string }>,
    readonly reason: string,
    cause?: unknown,
  ) {
    // A batch whose header is gone names no logs: its count is unknown, not zero.
    const named = logs.length > 0 ? ` (${logs.length} logs)` : '';
    super(`batch ${batchId}${named} cannot be completed: ${reason}`, { retryable: false, cause });
    this.name = 'UnrecoverableBatchError';
  }
}

/** Bad environment or options: fixed by the operator, not by retrying the file. */
export class ConfigurationError extends CleartrailError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'ConfigurationError';
  }
}

/** An invocation event whose shape cleartrail does not know. */
export class InvalidTriggerError extends CleartrailError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'InvalidTriggerError';
  }
}

/**
 * A value a person gave (an option, a setting) that cleartrail cannot use. The message names
 * the field in cleartrail's own words, never a CLI flag or an environment variable: the face
 * that read the value knows what the person typed and names it itself (`field`, `value`).
 */
export class InvalidValueError extends ConfigurationError {
  constructor(
    readonly field: string,
    readonly value: string,
    readonly problem: string,
  ) {
    super(`${field} ${JSON.stringify(value)} ${problem}`);
    this.name = 'InvalidValueError';
  }
}

/** A time window whose start comes after its end; `end.value` is undefined when the end was implied (now). */
export class EmptyWindowError extends ConfigurationError {
  constructor(
    readonly start: { value: string; hour: string },
    readonly end: { value?: string; hour: string },
  ) {
    super(`the window starts at ${start.hour}, after its end ${end.hour}`);
    this.name = 'EmptyWindowError';
  }
}

/** Two values that each choose the same thing in a different way (a start time and a number of days). */
export class ConflictingValuesError extends ConfigurationError {
  constructor(readonly fields: readonly [string, string]) {
    super(`give one of ${fields[0]} and ${fields[1]}, not both`);
    this.name = 'ConflictingValuesError';
  }
}

/** What the caller of a failed unit of work should do with it. */
export type RetryDecision = 'retry' | 'permanent';

/**
 * The one place that decides whether trying the same work again can help; every trigger answer
 * (SQS, Batch Operations, direct and async invocations) and the CLI follow it.
 *
 * - A {@link CleartrailError} says so itself (`retryable`): a malformed log, a bad setting or a
 *   plan that conflicts with an earlier attempt gives the same result every time, so it is
 *   `permanent`; throttling or a network error is `retry`.
 * - Anything else (an SDK error that the store's own retries gave up on, a bug) is `retry`:
 *   when in doubt a message stays on its queue, where the retry limit and the dead-letter
 *   queue bound the cost, rather than being acknowledged and lost.
 */
export function retryDecision(error: unknown): RetryDecision {
  if (error instanceof CleartrailError) return error.retryable ? 'retry' : 'permanent';
  return 'retry';
}

/**
 * The stable code a failure record carries: the log's own code for an unusable log, else
 * `not-retryable` for other permanent errors (the message says which).
 */
export function failureCode(error: CleartrailError): string {
  return error instanceof PermanentLogError ? error.code : 'not-retryable';
}

/** A CloudFormation custom resource request without the properties the template must pass. */
export class InvalidCustomResourceRequestError extends CleartrailError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'InvalidCustomResourceRequestError';
  }
}

/**
 * The store stopped answering at the connection level (refused, reset, hung up) for longer than
 * a throttled or restarting table would. Retrying every remaining file against it only delays
 * the failure, so a batch run stops at the first one; the ledger makes a rerun finish the job.
 */
export class StoreUnavailableError extends TransientError {
  constructor(message: string, cause?: unknown) {
    super(message, cause);
    this.name = 'StoreUnavailableError';
  }
}
