import { describe, expect, it } from 'vitest';
import { hoursBetween, parseTimeBound, parseTimeWindow } from '../../lib/time-window';

const now = new Date('2026-11-26T15:42:00Z');

describe('Function: parseTimeBound', () => {
  it.each([
    ['7d', '2026-11-19T15'],
    ['36h', '2026-11-25T03'],
    ['2w', '2026-11-12T15'],
    ['2026-11-20', '2026-11-20T00'],
    ['2026-11-20T13:59:59Z', '2026-11-20T13'],
    ['2026-11-20T13:00+02:00', '2026-11-20T11'],
  ])('reads %s', (value, hour) => {
    expect(parseTimeBound('--since', value, now)).toBe(hour);
  });

  it('names the option and the value it cannot read', () => {
    expect(() => parseTimeBound('--until', 'yesterday', now)).toThrow(/--until "yesterday" is neither an ISO time/);
  });
});

describe('Function: parseTimeWindow', () => {
  it('refuses a window that ends before it starts', () => {
    expect(() => parseTimeWindow('1d', '2d', now)).toThrow(/--since 1d is after --until 2d/);
  });
  it('leaves missing bounds open', () => {
    expect(parseTimeWindow(undefined, '2026-11-01', now)).toEqual({ fromHour: undefined, toHour: '2026-11-01T00' });
  });
});

describe('Function: hoursBetween', () => {
  it('lists every hour, across a day boundary', () => {
    expect(hoursBetween('2026-11-25T22', '2026-11-26T01')).toEqual([
      '2026-11-25T22',
      '2026-11-25T23',
      '2026-11-26T00',
      '2026-11-26T01',
    ]);
  });
});
