import { describe, expect, it } from 'vitest';
import { EmptyWindowError, InvalidValueError } from '../../lib/core/errors';
import { hourOf, hoursBetween, parseTimeBound, parseTimeWindow } from '../../lib/core/time-window';

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
    expect(parseTimeBound(value, now)).toBe(hour);
  });

  it('names the bound and the value it cannot read, and no CLI flag', () => {
    // Act
    const parse = () => parseTimeBound('yesterday', now, 'window end');

    // Assess
    expect(parse).toThrow(InvalidValueError);
    expect(parse).toThrow(
      new InvalidValueError(
        'window end',
        'yesterday',
        'is neither an ISO time (2026-11-20T13:00Z) nor a span such as 36h, 7d or 2w',
      ),
    );
    expect(parse).not.toThrow(/--/);
  });
});

describe('Function: parseTimeWindow', () => {
  it('refuses a window that ends before it starts, with both values as given', () => {
    // Act
    let thrown: unknown;
    try {
      parseTimeWindow('1d', '2d', now);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(EmptyWindowError);
    expect(thrown).toMatchObject({
      start: { value: '1d', hour: '2026-11-25T15' },
      end: { value: '2d', hour: '2026-11-24T15' },
    });
  });

  it('says which bound it cannot read', () => {
    expect(() => parseTimeWindow('2026-11-01', 'soon', now)).toThrow(expect.objectContaining({ field: 'window end' }));
  });

  it('leaves missing bounds open', () => {
    expect(parseTimeWindow(undefined, '2026-11-01', now)).toEqual({ fromHour: undefined, toHour: '2026-11-01T00' });
  });
});

describe('Function: hourOf', () => {
  it('is the UTC hour a time falls in', () => {
    expect(hourOf(now)).toBe('2026-11-26T15');
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
