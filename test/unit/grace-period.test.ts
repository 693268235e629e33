import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '../../lib/core/errors';
import { DEFAULT_GRACE_PERIOD_SECONDS, parseGracePeriod } from '../../lib/core/grace-period';

describe('Function: parseGracePeriod', () => {
  it.each([
    ['90s', 90],
    ['30m', 1800],
    ['2h', 7200],
    ['1d', 86_400],
    ['0m', 0],
    [' 45m ', 2700],
  ])('reads %j as %d seconds', (value, seconds) => {
    expect(parseGracePeriod(value)).toBe(seconds);
  });

  it.each(['', '30', 'm', '1.5h', '-5m', '30 minutes', '1w', '9999999s'])(
    'refuses %j, naming the value and the expected form',
    (value) => {
      const error = (() => {
        try {
          parseGracePeriod(value);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(InvalidValueError);
      expect((error as InvalidValueError).message).toBe(
        `grace period ${JSON.stringify(value)} is not a duration such as 90s, 30m, 2h or 1d`,
      );
    },
  );

  it('defaults to longer than a Lambda invocation may run', () => {
    expect(DEFAULT_GRACE_PERIOD_SECONDS).toBeGreaterThan(15 * 60);
  });
});
