import { describe, expect, it } from 'vitest';
import { usageMessage } from '../../bin/options';
import { InvalidBucketNameError } from '../../lib/core/bucket-name';
import { CleartrailError, TransientError } from '../../lib/core/errors';
import { parseTimeWindow } from '../../lib/core/time-window';
import { parseNamedNetworks } from '../../lib/net/named-networks';
import { readinessWindow } from '../../lib/report/readiness';
import { parseS3Url } from '../../lib/s3/s3-url';

const now = new Date('2026-11-26T15:42:00Z');

/** The error a lib/ call throws, for the CLI to word. */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('Function: usageMessage', () => {
  it.each([
    [
      'an unreadable start',
      () => parseTimeWindow('last tuesday', undefined, now),
      '--since "last tuesday" is neither an ISO time (2026-11-20T13:00Z) nor a span such as 36h, 7d or 2w',
    ],
    [
      'an unreadable end',
      () => parseTimeWindow(undefined, 'soon', now),
      '--until "soon" is neither an ISO time (2026-11-20T13:00Z) nor a span such as 36h, 7d or 2w',
    ],
    ['a start after the end', () => parseTimeWindow('1d', '2d', now), '--since 1d is after --until 2d'],
    [
      'a start after now',
      () => readinessWindow({ since: '2027-01-01' }, now),
      '--since 2027-01-01 is after the end of the window, 2026-11-26T15',
    ],
    [
      'days with a start',
      () => readinessWindow({ since: '2026-11-01', days: 7 }, now),
      'choose one of --days and --since',
    ],
    [
      'bad named networks',
      () => parseNamedNetworks('office 203.0.113.0/24'),
      '--networks: entry 1 "office 203.0.113.0/24" has no "="; expected name=cidr, e.g. office=203.0.113.0/24',
    ],
    [
      'an S3 URL without a key',
      () => parseS3Url('s3://acme'),
      'S3 URL "s3://acme" names no object: expected s3://bucket/key',
    ],
    [
      'a bad bucket name',
      () => {
        throw new InvalidBucketNameError('Not A Bucket', 'is not a valid S3 bucket name');
      },
      'bucket name "Not A Bucket" is not a valid S3 bucket name',
    ],
  ])('words %s in the flags the user typed', (_what, call, message) => {
    expect(usageMessage(thrownBy(call))).toBe(message);
  });

  it.each([
    ['a transient error', new TransientError('throttled')],
    [
      'a permanent error that is not about the command line',
      new CleartrailError('plan conflict', { retryable: false }),
    ],
    ['a bug', new TypeError('x is undefined')],
  ])('leaves %s to the generic error path', (_what, error) => {
    expect(usageMessage(error)).toBeUndefined();
  });
});
