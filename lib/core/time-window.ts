import { EmptyWindowError, InvalidValueError } from './errors';

const SPAN = /^(\d+)([hdw])$/;
const SPAN_SECONDS = { h: 3600, d: 86_400, w: 604_800 } as const;

/** Which end of a window a time bound is: the field {@link InvalidValueError} names. */
export type WindowBound = 'window start' | 'window end';

/**
 * Parses a time bound: an ISO 8601 time (`2026-11-20`, `2026-11-20T13:00Z`) or a span back
 * from now (`36h`, `7d`, `2w`). Returns the UTC hour it falls in, `YYYY-MM-DDTHH`.
 *
 * @throws InvalidValueError naming `bound` and the value; the CLI names its own flag instead.
 */
export function parseTimeBound(value: string, now: Date, bound: WindowBound = 'window start'): string {
  const span = SPAN.exec(value.trim());
  if (span) {
    const seconds = Number(span[1]) * SPAN_SECONDS[span[2] as keyof typeof SPAN_SECONDS];
    return new Date(now.getTime() - seconds * 1000).toISOString().slice(0, 13);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const millis = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
    if (!Number.isNaN(millis)) return new Date(millis).toISOString().slice(0, 13);
  }
  throw new InvalidValueError(
    bound,
    value,
    'is neither an ISO time (2026-11-20T13:00Z) nor a span such as 36h, 7d or 2w',
  );
}

/**
 * A window from an optional start and end, each as {@link parseTimeBound} reads it.
 *
 * @throws EmptyWindowError when the start comes after the end.
 */
export function parseTimeWindow(since: string | undefined, until: string | undefined, now: Date): TimeWindow {
  const window: TimeWindow = {
    fromHour: since === undefined ? undefined : parseTimeBound(since, now, 'window start'),
    toHour: until === undefined ? undefined : parseTimeBound(until, now, 'window end'),
  };
  if (
    since !== undefined &&
    until !== undefined &&
    window.fromHour &&
    window.toHour &&
    window.fromHour > window.toHour
  ) {
    throw new EmptyWindowError({ value: since, hour: window.fromHour }, { value: until, hour: window.toHour });
  }
  return window;
}

/** The UTC hour a time falls in, `YYYY-MM-DDTHH`. */
export function hourOf(time: Date): string {
  return time.toISOString().slice(0, 13);
}

/** Every UTC hour from `fromHour` to `toHour` inclusive. */
export function hoursBetween(fromHour: string, toHour: string): string[] {
  const hours: string[] = [];
  const end = Date.parse(`${toHour}:00:00Z`);
  for (let t = Date.parse(`${fromHour}:00:00Z`); t <= end; t += 3_600_000)
    hours.push(new Date(t).toISOString().slice(0, 13));
  return hours;
}

export interface TimeWindow {
  /** Inclusive UTC hours, `YYYY-MM-DDTHH`; undefined means open-ended. */
  fromHour?: string;
  toHour?: string;
}
