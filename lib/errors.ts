/**
 * Every error cleartrail raises carries its retry decision, so that the handler never has
 * to guess: a transient error goes back to Lambda (and, after its retries, to the on-failure
 * destination); a permanent one is recorded against the log object and not retried.
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
