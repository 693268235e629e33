import { describe, expect, it } from 'vitest';
import { InvalidTriggerError } from '../../lib/core/errors';
import { parseRecoveryTrigger } from '../../lib/lambda/batch-recovery';

describe('Function: parseRecoveryTrigger', () => {
  it('accepts the scheduled EventBridge event', () => {
    expect(() =>
      parseRecoveryTrigger({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }),
    ).not.toThrow();
  });

  it.each([[{ Records: [] }], [{ source: 'aws.s3' }], [null], ['aws.events']])(
    'refuses any other event (%j), saying what it expected',
    (event) => {
      expect(() => parseRecoveryTrigger(event)).toThrow(
        new InvalidTriggerError('expected a scheduled event (source aws.events)'),
      );
    },
  );
});
