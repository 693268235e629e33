import { describe, expect, it } from 'vitest';
import {
  afterStampedYear,
  dayPrefixes,
  flatAccessLogStart,
  hourInWindow,
  isAccessLogRegionFolder,
  isAccountFolder,
  isTrailDateFolder,
  isTrailRegionFolder,
  leadsToTrailRegions,
  pastStampedNames,
  startsWithStamp,
  withDayBefore,
} from '../../lib/formats/log-keys';

describe('Function: dayPrefixes', () => {
  it('names one folder per UTC day of a closed window, and the region folder for an open one', () => {
    const region = 'AWSLogs/1/CloudTrail/us-east-1/';
    expect(dayPrefixes(region, { fromHour: '2026-11-30T22', toHour: '2026-12-01T01' })).toEqual([
      `${region}2026/11/30/`,
      `${region}2026/12/01/`,
    ]);
    expect(dayPrefixes(region, { fromHour: '2026-11-30T22' })).toEqual([region]);
  });
});

describe('CloudTrail folders', () => {
  it.each([
    ['AWSLogs/111122223333/CloudTrail/us-east-1/', true, false],
    ['trail/AWSLogs/o-abc1234567/111122223333/CloudTrail/eu-west-1/', true, false],
    ['AWSLogs/111122223333/CloudTrail/us-east-1/2026/', false, true],
    ['AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/30/', false, true],
    ['AWSLogs/111122223333/CloudTrail-Digest/us-east-1/', false, false],
    ['AWSLogs/111122223333/', false, false],
  ])('%s: region folder %s, date folder %s', (prefix, region, date) => {
    expect(isTrailRegionFolder(prefix)).toBe(region);
    expect(isTrailDateFolder(prefix)).toBe(date);
  });

  it.each([
    ['', 'AWSLogs/', 0, true],
    ['AWSLogs/', '111122223333/', 1, true],
    ['AWSLogs/', 'o-abc1234567/', 1, true],
    ['AWSLogs/', 'notes/', 1, false],
    ['AWSLogs/o-abc1234567/', '111122223333/', 2, true],
    ['AWSLogs/111122223333/', 'CloudTrail/', 2, true],
    ['AWSLogs/111122223333/', 'CloudTrail-Digest/', 2, false],
    ['AWSLogs/111122223333/CloudTrail/', 'us-east-1/', 3, true],
    ['', 'my-trail/', 0, true],
    ['a/b/c/', 'd/', 3, false],
  ])('below %j, %j at depth %d leads to region folders: %s', (prefix, name, depth, expected) => {
    expect(leadsToTrailRegions(prefix, name, depth)).toBe(expected);
  });
});

describe('Access-log keys', () => {
  it('tells account and region folders of the partitioned layout', () => {
    expect(isAccountFolder('111122223333/')).toBe(true);
    expect(isAccountFolder('2025-03-10-09-20-31-5C2E8A1F7B9D4E60')).toBe(false);
    expect(isAccessLogRegionFolder('eu-west-1/')).toBe(true);
    expect(isAccessLogRegionFolder('CloudTrail/')).toBe(false);
  });

  it('starts a flat listing at the window’s first hour and jumps past stamped names', () => {
    expect(flatAccessLogStart('logs/', { fromHour: '2025-03-10T09' })).toBe('logs/2025-03-10-09');
    expect(flatAccessLogStart('logs/', {})).toBeUndefined();
    expect(pastStampedNames('logs/') > 'logs/2999-12-31-23-59-59-FFFFFFFFFFFFFFFF').toBe(true);
    expect(startsWithStamp('2025-03-10-09-20-31-5C2E8A1F7B9D4E60')).toBe(true);
    expect(startsWithStamp('111122223333/')).toBe(false);
  });

  it('steps over a year of stamped names to the account folders after them', () => {
    const marker = afterStampedYear('logs/', '2025-03-10-09-20-31-5C2E8A1F7B9D4E60') as string;
    expect(marker > 'logs/2025-12-31-23-59-59-FFFFFFFFFFFFFFFF').toBe(true);
    expect(marker < 'logs/202500000000/').toBe(true);
    expect(afterStampedYear('logs/', 'README')).toBeUndefined();
  });

  it('moves the window start a day earlier, across a month end, and keeps an open start open', () => {
    expect(withDayBefore({ fromHour: '2026-12-01T05', toHour: '2026-12-02T00' })).toEqual({
      fromHour: '2026-11-30T05',
      toHour: '2026-12-02T00',
    });
    expect(withDayBefore({ toHour: '2026-12-02T00' }).fromHour).toBeUndefined();
  });
});

describe('Function: hourInWindow', () => {
  it.each([
    ['2026-11-30T22', { fromHour: '2026-11-30T22', toHour: '2026-11-30T23' }, true],
    ['2026-11-30T23', { fromHour: '2026-11-30T22', toHour: '2026-11-30T23' }, true],
    ['2026-11-30T21', { fromHour: '2026-11-30T22' }, false],
    ['2026-12-01T00', { toHour: '2026-11-30T23' }, false],
    [undefined, {}, false],
  ])('%s in %j: %s', (hour, window, expected) => {
    expect(hourInWindow(hour, window)).toBe(expected);
  });
});
