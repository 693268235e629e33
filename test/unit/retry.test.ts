import { describe, expect, it } from 'vitest';
import { StoreUnavailableError, TransientError } from '../../lib/core/errors';
import { BATCH_RETRY_POLICY, DEFAULT_RETRY_POLICY, isConnectionLost, withRetries } from '../../lib/core/retry';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
}

function throttled(): Error {
  return Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
}

describe('Function: withRetries', () => {
  it('gives up with a StoreUnavailableError once connections have been refused for the policy window', async () => {
    // Prepare
    let attempts = 0;
    const policy = { attempts: 50, baseDelayMs: 10, maxDelayMs: 20, connectionLossMs: 200 };

    // Act
    const started = Date.now();
    const failure = await withRetries(
      'put',
      async () => {
        attempts++;
        throw refused();
      },
      policy,
    ).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as StoreUnavailableError).retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(attempts).toBeLessThan(50);
  });

  it('spends every attempt on throttling, which is not a lost store', async () => {
    let attempts = 0;
    const failure = await withRetries(
      'put',
      async () => {
        attempts++;
        throw throttled();
      },
      { attempts: 4, baseDelayMs: 1, maxDelayMs: 2, connectionLossMs: 0 },
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).not.toBeInstanceOf(StoreUnavailableError);
    expect(attempts).toBe(4);
  });

  it('keeps the Lambda default free of the connection-loss window, and the batch policy has one', () => {
    expect(DEFAULT_RETRY_POLICY.connectionLossMs).toBeUndefined();
    expect(BATCH_RETRY_POLICY.connectionLossMs).toBeGreaterThan(0);
  });
});

describe('Function: isConnectionLost', () => {
  it('recognises refused and reset connections and socket hang-ups, also as a cause', () => {
    expect(isConnectionLost(refused())).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionLost(new Error('socket hang up'))).toBe(true);
    expect(isConnectionLost(new Error('wrapped', { cause: refused() }))).toBe(true);
    expect(isConnectionLost(throttled())).toBe(false);
  });
});
