import { InvalidValueError } from './errors';

/**
 * How old an open batch must be before recovery completes it. A batch that a live process is
 * still applying would be applied by both at once, which is harmless (every chunk adds once) but
 * wasted; 30 minutes is far beyond the 5 minutes a Lambda invocation may run.
 */
export const DEFAULT_GRACE_PERIOD_SECONDS = 30 * 60;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * A grace period as a person writes it, a whole number and a unit: `90s`, `30m`, `2h`, `1d`.
 *
 * @example parseGracePeriod('30m') // => 1800
 */
export function parseGracePeriod(value: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(value.trim());
  if (!match) throw new InvalidValueError('grace period', value, 'is not a duration such as 90s, 30m, 2h or 1d');
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}
