import { describe, expect, it } from 'vitest';
import type { ClientTally, HourTally } from '../../lib/core/tally';
import { addTallyToItem, clientTallyOf, hourTallyOf, keys } from '../../lib/store/layout';

const hour = (counters: Record<string, number>, seen: number[], tokens: string[] = []): HourTally => ({
  kind: 'hour',
  source: 'cloudtrail',
  bucket: 'acme-data',
  hour: '2025-03-10T10',
  counters,
  seen,
  rangesSyncTokens: tokens,
});

const client = (counters: Record<string, number>, userAgent: string): ClientTally => ({
  kind: 'client',
  source: 'access-log',
  bucket: 'acme-data',
  day: '2025-03-10',
  client: { clientId: 'c1', address: '203.0.113.7', class: 'external', principal: 'anonymous', userAgent },
  counters,
  seen: [1_741_600_800],
  rangesSyncTokens: [],
});

describe('addTallyToItem: a tally added to a stored item of the embedded store', () => {
  it('adds counters, unions seen times and ranges tokens, and reads back as the sum', () => {
    // Act
    const once = addTallyToItem(undefined, {
      ...hour({ http: 2, https: 1 }, [100, 200], ['2']),
      deniedSeen: [],
      servedSeen: [100, 200],
    });
    const twice = addTallyToItem(once, {
      ...hour({ http: 3, http_denied: 1 }, [50, 150], ['1', '2']),
      deniedSeen: [150, 150],
      servedSeen: [50, 60],
    });

    // Assess
    expect(twice).toMatchObject(keys.tally(hour({}, [])));
    expect(hourTallyOf(twice)).toEqual({
      ...hour({ http: 5, https: 1, http_denied: 1 }, [50, 100, 150, 200], ['1', '2']),
      deniedSeen: [150],
      servedSeen: [50, 60, 100, 200],
    });
  });

  it('keeps the first description of a client, as if_not_exists does in DynamoDB, and its evidence source', () => {
    // Act
    const item = addTallyToItem(
      addTallyToItem(undefined, client({ http: 1 }, 'first/1.0')),
      client({ http: 4 }, 'second/2.0'),
    );

    // Assess
    expect(item.sk).toBe('CLIENT#2025-03-10#203.0.113.7#c1#access-log');
    expect(clientTallyOf(item)).toEqual({ ...client({ http: 5 }, 'first/1.0'), seen: [] });
  });

  it('leaves the stored item it is given unchanged', () => {
    // Prepare
    const stored = addTallyToItem(undefined, hour({ http: 1 }, [1]));
    const before = JSON.stringify(stored);

    // Act
    addTallyToItem(stored, hour({ http: 1 }, [2]));

    // Assess
    expect(JSON.stringify(stored)).toBe(before);
  });
});
