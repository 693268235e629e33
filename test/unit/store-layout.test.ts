import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { addTally, type ClientTally, type HourTally, mergeTallies } from '../../lib/core/tally';
import { clientTallyOf, hourTallyOf, keys, tallyUpdate } from '../../lib/store/layout';

const hourTally: HourTally = {
  kind: 'hour',
  source: 'cloudtrail',
  bucket: 'acme-data',
  hour: '2026-11-20T10',
  counters: { http: 2, http_denied: 1, https: 5, 'reason_no-tls-with-evidence': 2 },
  seen: [1763633000, 1763634000],
  // Served first, then refused: the first and last of each (two requests each, in two commits).
  deniedSeen: [1763633800, 1763634000],
  servedSeen: [1763633000, 1763633500],
  rangesSyncTokens: ['1787411825'],
};
const clientTally: ClientTally = {
  kind: 'client',
  source: 'cloudtrail',
  bucket: 'acme-data',
  day: '2026-11-20',
  client: {
    clientId: 'abcdefghijkl',
    address: '203.0.113.7',
    class: 'external',
    principal: 'arn:aws:iam::111122223333:user/alice',
    userAgent: 'aws-cli/2.15.0',
    network: 'office',
  },
  counters: { requests: 2, http: 2, op_GetObject: 2, http_hour_10: 2 },
  // The client item keeps the hours, not the times (see ClientTally.seen).
  seen: [],
  rangesSyncTokens: ['1787411825'],
};

/** The item an update would create on an empty key, as DynamoDB applies ADD and SET if_not_exists. */
function applyToEmptyItem(update: ReturnType<typeof tallyUpdate>): Record<string, unknown> {
  const item: Record<string, unknown> = unmarshall(update.Key);
  const values = unmarshall(update.ExpressionAttributeValues);
  for (const clause of update.UpdateExpression.split(/ (?=ADD |SET )/)) {
    for (const part of clause.replace(/^(ADD|SET) /, '').split(', ')) {
      const [name] = part.split(/[ =]/);
      const value = values[`:v${name?.slice(2)}`];
      item[update.ExpressionAttributeNames[name as string] as string] = value;
    }
  }
  return item;
}

describe('Module: store layout', () => {
  it('bounds a window so that every hour and client key of it falls inside, and no other', () => {
    const [from, to] = keys.sortKeyRange('client', { fromHour: '2026-11-20T10', toHour: '2026-11-21T23' });
    const inside = keys.tally(clientTally).sk;
    const before = keys.tally({ ...clientTally, day: '2026-11-19' }).sk;
    const after = keys.tally({ ...clientTally, day: '2026-11-22' }).sk;
    expect(inside >= from && inside <= to).toBe(true);
    expect(before >= from).toBe(false);
    expect(after <= to).toBe(false);
    // A client item keyed by hour, as written before clients were kept per day, falls in its day.
    const hourKeyed = 'CLIENT#2026-11-21T23#203.0.113.7#abcdefghijkl';
    expect(hourKeyed >= from && hourKeyed <= to).toBe(true);
    const [hourFrom, hourTo] = keys.sortKeyRange('hour', {});
    expect(keys.tally(hourTally).sk >= hourFrom && keys.tally(hourTally).sk <= hourTo).toBe(true);
    expect(inside >= hourFrom && inside <= hourTo).toBe(false);
  });

  it.each([
    ['hour', hourTally, hourTallyOf],
    ['client', clientTally, clientTallyOf],
  ] as const)('reads back a %s tally exactly as it was written', (_kind, tally, read) => {
    expect(read(applyToEmptyItem(tallyUpdate(tally)))).toEqual(tally);
  });

  it('reads a client item written per hour as a day tally with the HTTP of that hour', () => {
    const legacy = {
      pk: 'BUCKET#acme-data',
      sk: 'CLIENT#2026-11-20T07#203.0.113.7#abcdefghijkl',
      bucket: 'acme-data',
      hour: '2026-11-20T07',
      clientId: 'abcdefghijkl',
      address: '203.0.113.7',
      class: 'external',
      principal: 'arn:aws:iam::111122223333:user/alice',
      requests: 3,
      http: 3,
      seen: new Set([1763622000]),
    };
    expect(clientTallyOf(legacy)).toMatchObject({
      day: '2026-11-20',
      counters: { requests: 3, http: 3, http_hour_07: 3 },
    });
  });

  it('reads an hour item written before refusals were counted as all served, at the times of seen', () => {
    const legacy = {
      pk: 'BUCKET#acme-data',
      sk: 'HOUR#2026-11-20T10',
      bucket: 'acme-data',
      hour: '2026-11-20T10',
      http: 4,
      seen: new Set([1763634000, 1763633000]),
    };
    const tally = hourTallyOf(legacy);
    expect(tally.counters.http_denied ?? 0).toBe(0);
    expect(tally.deniedSeen).toEqual([]);
    expect(tally.servedSeen).toEqual([1763633000, 1763634000]);
    // Refusals in an item with no served times of its own: nothing was served.
    expect(hourTallyOf({ ...legacy, http_denied: 4, seenDenied: legacy.seen }).servedSeen).toEqual([]);
  });

  it.each([
    ['hour', { ...hourTally, source: 'access-log' } as HourTally, hourTallyOf],
    ['client', { ...clientTally, source: 'access-log' } as ClientTally, clientTallyOf],
  ] as const)(
    'keeps an access-log %s tally apart from the CloudTrail one, inside the same window',
    (_kind, tally, read) => {
      const cloudTrail = tally.kind === 'hour' ? hourTally : clientTally;
      expect(keys.tally(tally)).not.toEqual(keys.tally(cloudTrail));
      const hour = tally.kind === 'hour' ? tally.hour : `${tally.day}T10`;
      const [from, to] = keys.sortKeyRange(tally.kind, { fromHour: hour, toHour: hour });
      expect(keys.tally(tally).sk >= from && keys.tally(tally).sk <= to).toBe(true);
      const item = applyToEmptyItem(tallyUpdate(tally));
      expect(item.source).toBe('access-log');
      expect(read(item)).toEqual(tally);
    },
  );

  it('writes CloudTrail items with the keys and attributes they had before access logs', () => {
    expect(keys.tally(hourTally).sk).toBe('HOUR#2026-11-20T10');
    expect(keys.tally(clientTally).sk).toBe('CLIENT#2026-11-20#203.0.113.7#abcdefghijkl');
    expect(applyToEmptyItem(tallyUpdate(hourTally))).not.toHaveProperty('source');
  });

  it('keeps two clients that share an address in one day apart', () => {
    const other = { ...clientTally, client: { ...clientTally.client, clientId: 'zzzzzzzzzzzz' } };
    expect(keys.tally(other)).not.toEqual(keys.tally(clientTally));
  });
});

describe('Function: mergeTallies', () => {
  it('adds counters, unions range tokens and keeps only the extremes of seen', () => {
    const later: ClientTally = {
      ...clientTally,
      counters: { requests: 1, http: 1, op_PutObject: 1, http_hour_13: 1 },
      rangesSyncTokens: ['1787500000'],
    };
    const [merged, ...rest] = mergeTallies([[clientTally], [later]]);
    expect(rest).toEqual([]);
    expect(merged).toMatchObject({
      counters: { requests: 3, http: 3, op_GetObject: 2, op_PutObject: 1, http_hour_10: 2, http_hour_13: 1 },
      rangesSyncTokens: ['1787411825', '1787500000'],
    });
    const laterHour: HourTally = { ...hourTally, seen: [1763630000, 1763639000, 1763631000] };
    expect(mergeTallies([[hourTally], [laterHour]])[0]).toMatchObject({ seen: [1763630000, 1763639000] });
    const laterRefusal: HourTally = { ...hourTally, deniedSeen: [1763639000, 1763639500], servedSeen: [] };
    expect(mergeTallies([[hourTally], [laterRefusal]])[0]).toMatchObject({
      counters: { http: 4, http_denied: 2 },
      deniedSeen: [1763633800, 1763639500],
      servedSeen: [1763633000, 1763633500],
    });
    // The inputs are not changed: a fold can be merged into several plans after a conflict.
    expect(clientTally.counters.http).toBe(2);
  });

  it('gives the same result whatever the order of the logs', () => {
    const other: HourTally = { ...hourTally, hour: '2026-11-20T11', counters: { https: 1 } };
    expect(mergeTallies([[other, clientTally], [hourTally]])).toEqual(
      mergeTallies([[hourTally], [clientTally, other]]),
    );
  });

  it('never adds tallies of two evidence sources together', () => {
    expect(mergeTallies([[hourTally], [{ ...hourTally, source: 'access-log' }]])).toHaveLength(2);
  });

  it('adds one tally into another of the same identity', () => {
    const target: HourTally = { ...hourTally, counters: { ...hourTally.counters } };
    addTally(target, hourTally);
    expect(target.counters).toEqual({ http: 4, http_denied: 2, https: 10, 'reason_no-tls-with-evidence': 4 });
  });
});
