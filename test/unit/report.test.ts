import { describe, expect, it } from 'vitest';
import type { ClientDescription, ClientTally, HourTally } from '../../lib/core/tally';
import { compareByRisk, selectEvidence, summarizeBucket } from '../../lib/report/bucket-report';
import { summarizeClients } from '../../lib/report/clients';

const hour = (h: string, counters: Record<string, number>, seen: number[] = []): HourTally => ({
  kind: 'hour',
  source: 'cloudtrail',
  bucket: 'b',
  hour: h,
  counters,
  seen,
  rangesSyncTokens: [],
});
const client = (
  day: string,
  counters: Record<string, number>,
  options: { client?: Partial<ClientDescription> } = {},
): ClientTally => ({
  kind: 'client',
  source: 'cloudtrail',
  bucket: 'b',
  day,
  client: {
    clientId: 'x',
    address: '203.0.113.9',
    class: 'external',
    principal: 'arn:aws:iam::1:user/u',
    userAgent: 'curl/8',
    ...options.client,
  },
  counters,
  seen: [],
  rangesSyncTokens: [],
});

describe('Function: selectEvidence', () => {
  const cloudTrail = [hour('2026-11-20T10', { http: 3, https: 4 })];
  const accessLog = [{ ...hour('2026-11-20T10', { http: 2, https: 5, service: 1 }), source: 'access-log' as const }];
  const accessLogClient = {
    ...client('2026-11-20', { http: 2, http_hour_10: 2 }),
    source: 'access-log' as const,
  };

  it('takes CloudTrail where it has records, and sets both sources side by side', () => {
    const selected = selectEvidence([...accessLog, ...cloudTrail], [accessLogClient]);
    expect(selected).toEqual({
      source: 'cloudtrail',
      hours: cloudTrail,
      clients: [],
      bySource: {
        cloudtrail: { http: 3, https: 4, service: 0, unknown: 0 },
        'access-log': { http: 2, https: 5, service: 1, unknown: 0 },
      },
    });
  });

  it('takes access logs where CloudTrail has no record, an item of zero counts included', () => {
    const empty = [hour('2026-11-20T11', { website: 0 })];
    const selected = selectEvidence([...empty, ...accessLog], [accessLogClient]);
    expect(selected).toMatchObject({ source: 'access-log', hours: accessLog, clients: [accessLogClient] });
    expect(selected).not.toHaveProperty('bySource');
  });

  it('takes the source it is told to, even one without records', () => {
    expect(selectEvidence([...cloudTrail, ...accessLog], [], 'access-log')).toMatchObject({
      source: 'access-log',
      hours: accessLog,
    });
    expect(selectEvidence(accessLog, [], 'cloudtrail')).toMatchObject({ source: 'cloudtrail', hours: [] });
  });

  it('reports a bucket from one source only: the figures are never added', () => {
    const accessLogSeen = [{ ...accessLog[0], seen: [1763633000] } as HourTally];
    const report = summarizeBucket('b', [...cloudTrail, ...accessLogSeen]);
    expect(report).toMatchObject({ source: 'cloudtrail', http: 3, https: 4, service: 0 });
    expect(report.lastHttpSeen).toBeUndefined();
  });
});

describe('Function: summarizeBucket', () => {
  it('adds hours up, keeps a daily trend, and takes the last HTTP time from the hours', () => {
    // Prepare
    const hours = [
      hour(
        '2026-11-20T10',
        {
          http: 2,
          https: 6,
          http_external: 2,
          'tls_TLSv1.2': 6,
          http_net_office: 1,
        },
        [1763633000, 1763634000, 1763633500],
      ),
      hour('2026-11-20T23', { service: 1 }),
      hour(
        '2026-11-21T00',
        { http: 1, unknown: 1, http_ec2: 1, tls_legacy: 0, website: 1, website_http: 1 },
        [1763683500],
      ),
    ].map((tally) => ({ ...tally, rangesSyncTokens: ['1787411825'] }));

    // Act
    const report = summarizeBucket('b', hours);

    // Assess
    expect(report).toMatchObject({
      http: 3,
      https: 6,
      service: 1,
      unknown: 1,
      total: 11,
      httpShare: 3 / 9,
      httpSources: { external: 2, ec2: 1, 'vpc-endpoint': 0, private: 0, aws: 0 },
      httpNetworks: { office: 1 },
      tlsVersions: { 'TLSv1.2': 6 },
      website: { requests: 1, http: 1 },
      firstHour: '2026-11-20T10',
      lastHour: '2026-11-21T00',
      hoursWithData: 3,
      lastHttpSeen: new Date(1763683500 * 1000).toISOString(),
      rangesSyncTokens: ['1787411825'],
    });
    expect(report.daily).toEqual([
      { day: '2026-11-20', http: 2, https: 6, service: 1, unknown: 0 },
      { day: '2026-11-21', http: 1, https: 0, service: 0, unknown: 1 },
    ]);
  });

  it('puts the buckets with most HTTP first', () => {
    const quiet = summarizeBucket('a-quiet', [hour('2026-11-20T10', { https: 5 })]);
    const loud = summarizeBucket('z-loud', [hour('2026-11-20T10', { http: 5 })]);
    expect([quiet, loud].sort(compareByRisk).map((r) => r.bucket)).toEqual(['z-loud', 'a-quiet']);
  });
});

describe('Function: summarizeClients', () => {
  it('merges a client across days: counts, first and last HTTP hour, top operations', () => {
    const rows = summarizeClients([
      client('2026-11-20', { http: 3, http_hour_10: 2, http_hour_11: 1, op_GetObject: 2, op_PutObject: 1 }),
      client('2026-11-21', { http: 1, http_hour_04: 1, op_GetObject: 1 }),
      client(
        '2026-11-20',
        { http: 7, http_hour_11: 7, op_ListObjects: 7 },
        { client: { address: '198.51.100.1', clientId: 'y' } },
      ),
    ]);
    expect(rows.map((r) => [r.address, r.count])).toEqual([
      ['198.51.100.1', 7],
      ['203.0.113.9', 4],
    ]);
    expect(rows[1]).toMatchObject({
      firstHttpHour: '2026-11-20T10',
      lastHttpHour: '2026-11-21T04',
      operations: [
        { operation: 'GetObject', count: 3 },
        { operation: 'PutObject', count: 1 },
      ],
    });
  });

  it('cuts the HTTP count and hours to the window, hour by hour', () => {
    const days = [
      client('2026-11-20', { http: 5, http_hour_09: 2, http_hour_10: 2, http_hour_23: 1 }),
      client('2026-11-21', { http: 4, http_hour_00: 3, http_hour_12: 1 }),
    ];
    const rows = summarizeClients(days, { window: { fromHour: '2026-11-20T10', toHour: '2026-11-21T00' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ count: 6, firstHttpHour: '2026-11-20T10', lastHttpHour: '2026-11-21T00' });
    // A client whose HTTP falls outside the window's hours is not listed, though its day is read.
    expect(summarizeClients(days, { window: { fromHour: '2026-11-21T13' } })).toEqual([]);
  });

  it('leaves out clients with only HTTPS findings unless asked for them', () => {
    const items = [client('2026-11-20', { http: 0, https: 2, tls_legacy: 2 })];
    expect(summarizeClients(items)).toEqual([]);
    expect(summarizeClients(items, { includeHygiene: true })[0]?.findings.legacyTls).toBe(2);
  });
});
