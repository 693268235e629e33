import { describe, expect, it } from 'vitest';
import { InvalidBucketNameError } from '../../lib/core/bucket-name';
import {
  CleartrailError,
  ConfigurationError,
  ConflictingValuesError,
  EmptyWindowError,
  failureCode,
  InvalidTriggerError,
  InvalidValueError,
  LogTooLargeError,
  MalformedLogError,
  PermanentLogError,
  type RetryDecision,
  retryDecision,
  TransientError,
} from '../../lib/core/errors';
import { InvalidNetworksError } from '../../lib/net/named-networks';

describe('Function: retryDecision', () => {
  it.each<[string, unknown, RetryDecision]>([
    ['a malformed log', new MalformedLogError('s3://b/k', 'not-gzip', 'is not gzip'), 'permanent'],
    ['a log over its cap', new LogTooLargeError('s3://b/k', 'too-large', 'is too large'), 'permanent'],
    ['a missing object', new PermanentLogError('s3://b/k', 'missing-object', 'is gone'), 'permanent'],
    [
      'a chunk plan that conflicts with an earlier attempt',
      new CleartrailError('chunk 2 was counted by an earlier attempt that cut the file differently', {
        retryable: false,
      }),
      'permanent',
    ],
    ['a bad setting', new ConfigurationError('CLEARTRAIL_TABLE is not set'), 'permanent'],
    ['a bad value', new InvalidValueError('window start', 'soon', 'is not a time'), 'permanent'],
    ['an empty window', new EmptyWindowError({ value: '1d', hour: 'b' }, { value: '2d', hour: 'a' }), 'permanent'],
    ['two conflicting values', new ConflictingValuesError(['number of days', 'window start']), 'permanent'],
    ['bad named networks', new InvalidNetworksError('entry 1 "x" has no "="'), 'permanent'],
    ['a bad bucket name', new InvalidBucketNameError('Not A Bucket', 'is not valid'), 'permanent'],
    ['an event of an unknown shape', new InvalidTriggerError('event must be a JSON object'), 'permanent'],
    ['throttling', new TransientError('throttled'), 'retry'],
    ['a retryable CleartrailError', new CleartrailError('conflict', { retryable: true }), 'retry'],
    ['an SDK error the store gave up on', Object.assign(new Error('timeout'), { name: 'TimeoutError' }), 'retry'],
    ['a bug', new TypeError('undefined is not a function'), 'retry'],
    ['a thrown non-error', 'a string', 'retry'],
  ])('decides %s: %s', (_what, error, decision) => {
    expect(retryDecision(error)).toBe(decision);
  });
});

describe('Function: failureCode', () => {
  it('keeps the code of an unusable log and calls other permanent errors not-retryable', () => {
    expect(failureCode(new MalformedLogError('s3://b/k', 'not-gzip', 'is not gzip'))).toBe('not-gzip');
    expect(failureCode(new CleartrailError('plan conflict', { retryable: false }))).toBe('not-retryable');
  });
});

describe('Class: InvalidValueError', () => {
  it('names the field in its own words and keeps the parts for the face that maps them', () => {
    // Act
    const error = new InvalidValueError('number of days', '0', 'is not a whole number >= 1');

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe('number of days "0" is not a whole number >= 1');
    expect(error).toMatchObject({ field: 'number of days', value: '0', problem: 'is not a whole number >= 1' });
  });
});
