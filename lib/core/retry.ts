import { StoreUnavailableError, TransientError } from './errors';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * How long connection-level failures (refused, reset, hung up) may last before the call gives
   * up with a StoreUnavailableError instead of spending its remaining attempts.
   */
  connectionLossMs?: number;
}

/**
 * On top of the SDK's own three attempts: a Lambda that gives up on a throttled table after
 * 1.5 s costs a whole retried invocation, so wait longer here (up to about 20 s in all).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 5000 };

/**
 * For a run over many files (the CLI): a store that refuses connections for 3 s is gone, and
 * every further file would spend its 20 s of retries on it. The Lambda keeps the default, where
 * a whole retried invocation is the fallback anyway.
 */
export const BATCH_RETRY_POLICY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, connectionLossMs: 3000 };

const TRANSIENT_ERROR_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  // Another request with the same client token is still running: the same call succeeds later.
  'TransactionInProgressException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);
/** The peer is gone rather than busy: nothing listens, or it closed the connection mid-request. */
const CONNECTION_LOST_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

/** Connection refused or reset, or a socket hang-up: the server is gone, not throttling. */
export function isConnectionLost(error: unknown): boolean {
  for (let cause = error, depth = 0; typeof cause === 'object' && cause !== null && depth < 5; depth++) {
    const candidate = cause as { code?: string; message?: string; cause?: unknown };
    if (candidate.code && CONNECTION_LOST_CODES.has(candidate.code)) return true;
    if (candidate.message === 'socket hang up') return true;
    cause = candidate.cause;
  }
  return false;
}

/** Throttling, conflicts, 5xx and network failures: the same request may succeed later. */
export function isTransientAwsError(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (candidate.name && TRANSIENT_ERROR_NAMES.has(candidate.name)) return true;
  if (candidate.code && TRANSIENT_NETWORK_CODES.has(candidate.code)) return true;
  if (candidate.$retryable) return true;
  const status = candidate.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/**
 * Runs `operation` until it succeeds, retrying transient failures with capped exponential
 * backoff and full jitter (so that eight invocations that conflicted do not retry in step).
 * The last transient failure is thrown as a TransientError: Lambda then retries the whole
 * event, which is safe because every write is guarded by the ledger.
 */
export async function withRetries<T>(
  what: string,
  operation: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<T> {
  let connectionLostSince: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransientAwsError(error)) throw error;
      if (policy.connectionLossMs !== undefined && isConnectionLost(error)) {
        connectionLostSince ??= Date.now();
        if (Date.now() - connectionLostSince >= policy.connectionLossMs || attempt >= policy.attempts) {
          throw new StoreUnavailableError(`${what}: the store stopped answering: ${describe(error)}`, error);
        }
      } else {
        connectionLostSince = undefined;
      }
      if (attempt >= policy.attempts) {
        throw new TransientError(`${what}: still failing after ${attempt} attempts: ${describe(error)}`, error);
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
