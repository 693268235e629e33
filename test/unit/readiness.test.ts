import { describe, expect, it } from 'vitest';
import { ConflictingValuesError, EmptyWindowError, InvalidValueError } from '../../lib/core/errors';
import { hoursBetween } from '../../lib/core/time-window';
import type { BucketReport } from '../../lib/report/bucket-report';
import type { ClientReport } from '../../lib/report/clients';
import {
  assessReadiness,
  closeWindowOverData,
  DEFAULT_MAX_GAP_HOURS,
  describeReason,
  findGaps,
  type ReadinessInput,
  type ReadinessReason,
  readinessWindow,
} from '../../lib/report/readiness';

const WINDOW = { fromHour: '2026-11-01T00', toHour: '2026-11-03T23' };
const ALL_HOURS = hoursBetween(WINDOW.fromHour, WINDOW.toHour);

function bucketReport(overrides: Partial<BucketReport> = {}): BucketReport {
  const report: BucketReport = {
    bucket: 'acme-data',
    source: 'cloudtrail',
    http: 0,
    httpDenied: 0,
    https: 720,
    service: 12,
    unknown: 0,
    total: 0,
    httpShare: 0,
    httpSources: { external: 0, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
    httpNetworks: {},
    tlsVersions: { 'TLSv1.3': 720 },
    reasons: {},
    website: { requests: 0, http: 0 },
    findings: { legacyTls: 0, sigV2: 0, presignedHttp: 0, ec2CredentialsOutsideAws: 0 },
    firstHour: WINDOW.fromHour,
    lastHour: WINDOW.toHour,
    hoursWithData: ALL_HOURS.length,
    daily: [],
    rangesSyncTokens: [],
    ...overrides,
  };
  report.total = report.http + report.https + report.service + report.unknown;
  report.httpShare = report.http + report.https === 0 ? 0 : report.http / (report.http + report.https);
  return report;
}

function client(overrides: Partial<ClientReport> = {}): ClientReport {
  return {
    address: '203.0.113.24',
    class: 'external',
    principal: 'arn:aws:iam::111122223333:user/alice',
    userAgent: 'aws-cli/2.24.10',
    count: 1,
    httpDenied: 0,
    https: 0,
    lastHttpHour: '2026-11-02T10',
    operations: [{ operation: 'GetObject', count: 1 }],
    tlsVersions: {},
    findings: { legacyTls: 0, sigV2: 0, presignedHttp: 0, ec2CredentialsOutsideAws: 0 },
    ...overrides,
  };
}

function input(overrides: Partial<ReadinessInput> = {}): ReadinessInput {
  return {
    bucket: 'acme-data',
    window: WINDOW,
    report: bucketReport(),
    clients: [],
    hourItemsHours: ALL_HOURS,
    ...overrides,
  };
}

function codes(reasons: ReadonlyArray<{ code: string }>): string[] {
  return reasons.map((r) => r.code);
}

function reason<C extends ReadinessReason['code']>(
  reasons: readonly ReadinessReason[],
  code: C,
): Extract<ReadinessReason, { code: C }> {
  const found = reasons.find((r) => r.code === code);
  if (!found) throw new Error(`no ${code} reason in ${JSON.stringify(codes(reasons))}`);
  return found as Extract<ReadinessReason, { code: C }>;
}

describe('Function: assessReadiness', () => {
  it('is ready when every hour has records and all client requests used TLS', () => {
    // Prepare
    const given = input();

    // Act
    const result = assessReadiness(given);

    // Assess
    expect(result.verdict).toBe('ready');
    expect(result.reasons).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.window).toEqual(WINDOW);
    expect(result.thresholds).toEqual({ maxUnknownShare: 0.01, maxGapHours: DEFAULT_MAX_GAP_HOURS });
    expect(result.evidence).toMatchObject({
      http: 0,
      https: 720,
      service: 12,
      unknown: 0,
      clientRequests: 720,
      hoursInWindow: 72,
      hoursWithData: 72,
    });
  });

  it('is ready for a bucket used once a day: quiet nights are not gaps', () => {
    // Prepare: one record at noon each day, so the longest quiet spell is 23 hours.
    const noons = ['2026-11-01T12', '2026-11-02T12', '2026-11-03T12'];
    const given = input({
      window: { fromHour: '2026-11-01T00', toHour: '2026-11-03T23' },
      report: bucketReport({ https: 3, service: 0, hoursWithData: 3 }),
      hourItemsHours: noons,
    });

    // Act
    const result = assessReadiness(given);

    // Assess: 00..11 (12 h) and 13..11 (23 h) and 13..23 (11 h) are all within 24 hours.
    expect(result.verdict).toBe('ready');
  });

  it('lists the HTTP clients, most requests first, at most 20', () => {
    // Prepare
    const httpClients = Array.from({ length: 25 }, (_, i) => client({ address: `198.51.100.${i + 1}`, count: 30 - i }));
    const hygieneOnly = client({
      address: '81.2.69.142',
      count: 0,
      https: 4,
      findings: { legacyTls: 4, sigV2: 0, presignedHttp: 0, ec2CredentialsOutsideAws: 0 },
    });
    const given = input({
      report: bucketReport({
        http: 475,
        httpSources: { external: 475, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
      }),
      clients: [...httpClients, hygieneOnly],
    });

    // Act
    const result = assessReadiness(given);

    // Assess
    expect(result.verdict).toBe('not-ready');
    expect(codes(result.reasons)).toEqual(['http-clients']);
    const { detail } = reason(result.reasons, 'http-clients');
    expect(detail.requests).toBe(475);
    expect(detail.websiteHttp).toBe(0);
    expect(detail.clientCount).toBe(25);
    expect(detail.clients).toHaveLength(20);
    expect(detail.clients[0]).toMatchObject({
      address: '198.51.100.1',
      count: 30,
      principal: 'arn:aws:iam::111122223333:user/alice',
    });
    expect(detail.clients.map((c) => c.address)).not.toContain('81.2.69.142');
    expect(describeReason(reason(result.reasons, 'http-clients'))).toMatch(/^475 plain-HTTP requests from 25 clients/);
  });

  it('blocks on website-endpoint traffic alone, without calling it an HTTP client problem', () => {
    // Prepare: every HTTP request went to the website endpoint, which has no HTTPS.
    const given = input({
      report: bucketReport({ http: 40, https: 0, website: { requests: 40, http: 40 } }),
      clients: [client({ count: 40, principal: 'anonymous' })],
    });

    // Act
    const result = assessReadiness(given);

    // Assess
    expect(result.verdict).toBe('not-ready');
    expect(codes(result.reasons)).toEqual(['website-endpoint']);
    expect(reason(result.reasons, 'website-endpoint').detail).toEqual({ requests: 40, http: 40 });
    expect(describeReason(reason(result.reasons, 'website-endpoint'))).toMatch(
      /website endpoint, which serves HTTP only/,
    );
  });

  it('reports both when HTTP goes to the REST and the website endpoints', () => {
    // Act
    const result = assessReadiness(
      input({ report: bucketReport({ http: 3, website: { requests: 2, http: 2 } }), clients: [client({ count: 3 })] }),
    );

    // Assess
    expect(codes(result.reasons)).toEqual(['http-clients', 'website-endpoint']);
    expect(reason(result.reasons, 'http-clients').detail).toMatchObject({ requests: 3, websiteHttp: 2 });
  });

  it('blocks when the share of unknown records is above the threshold, and only then', () => {
    // Prepare: client requests are https + http + unknown = 100.
    const above = input({ report: bucketReport({ https: 98, unknown: 2 }) });
    const atThreshold = input({ report: bucketReport({ https: 99, unknown: 1 }) });
    const lenient = input({ report: bucketReport({ https: 98, unknown: 2 }), thresholds: { maxUnknownShare: 0.05 } });

    // Act
    const results = [above, atThreshold, lenient].map(assessReadiness);

    // Assess
    expect(results.map((r) => r.verdict)).toEqual(['not-ready', 'ready', 'ready']);
    expect(reason(results[0]?.reasons ?? [], 'unknown-share').detail).toEqual({
      unknown: 2,
      clientRequests: 100,
      share: 0.02,
      maxShare: 0.01,
    });
    expect(describeReason(reason(results[0]?.reasons ?? [], 'unknown-share'))).toMatch(
      /2 of 100 client requests \(2\.0%\)/,
    );
  });

  it('blocks on runs of hours without records longer than the threshold, merged into ranges', () => {
    // Prepare: data on day 1 until 09:00, then nothing until day 3 at 12:00, then every hour.
    const hours = ALL_HOURS.filter((h) => h <= '2026-11-01T09' || h >= '2026-11-03T12');

    // Act
    const result = assessReadiness(input({ hourItemsHours: hours }));

    // Assess
    expect(result.verdict).toBe('not-ready');
    expect(codes(result.reasons)).toEqual(['coverage-gaps']);
    expect(reason(result.reasons, 'coverage-gaps').detail).toEqual({
      maxGapHours: 24,
      hoursInWindow: 72,
      hoursWithoutData: 50,
      gapCount: 1,
      gaps: [{ from: '2026-11-01T10', to: '2026-11-03T11', hours: 50 }],
    });
    expect(describeReason(reason(result.reasons, 'coverage-gaps'))).toMatch(/data events may not be enabled/);
  });

  it('counts gaps at the edges of the window and honours maxGapHours', () => {
    // Prepare: data starts 30 hours into the window (data events enabled late).
    const hours = ALL_HOURS.slice(30);

    // Act
    const strict = assessReadiness(input({ hourItemsHours: hours }));
    const relaxed = assessReadiness(input({ hourItemsHours: hours, thresholds: { maxGapHours: 30 } }));

    // Assess: a gap must be longer than maxGapHours to count.
    expect(reason(strict.reasons, 'coverage-gaps').detail.gaps).toEqual([
      { from: '2026-11-01T00', to: '2026-11-02T05', hours: 30 },
    ]);
    expect(relaxed.verdict).toBe('ready');
  });

  it('flags every empty hour with maxGapHours 0', () => {
    // Act
    const result = assessReadiness(
      input({ hourItemsHours: ALL_HOURS.filter((h) => h !== '2026-11-02T03'), thresholds: { maxGapHours: 0 } }),
    );

    // Assess
    expect(reason(result.reasons, 'coverage-gaps').detail.gaps).toEqual([
      { from: '2026-11-02T03', to: '2026-11-02T03', hours: 1 },
    ]);
  });

  it('is not ready when there is no record at all, and says so alone', () => {
    // Prepare
    const given = input({
      report: bucketReport({ https: 0, service: 0, firstHour: undefined, lastHour: undefined, hoursWithData: 0 }),
      hourItemsHours: [],
      lastHourOutsideWindow: '2025-03-10T11',
    });

    // Act
    const result = assessReadiness(given);

    // Assess
    expect(result.verdict).toBe('not-ready');
    expect(result.reasons).toEqual([
      { code: 'no-data', detail: { hoursInWindow: 72, lastHourOutsideWindow: '2025-03-10T11' } },
    ]);
    expect(describeReason(result.reasons[0] as ReadinessReason)).toMatch(
      /no record of the bucket at all.*--until 2025-03-10T11:00Z/,
    );
  });

  it('warns about TLS hygiene without blocking, unless a TLS minimum is asked for', () => {
    // Prepare
    const legacy = client({
      address: '81.2.69.142',
      count: 0,
      https: 3,
      tlsVersions: { TLSv1: 3 },
      findings: { legacyTls: 3, sigV2: 2, presignedHttp: 0, ec2CredentialsOutsideAws: 0 },
    });
    const presigned = client({
      address: '203.0.113.9',
      count: 0,
      https: 1,
      findings: { legacyTls: 0, sigV2: 0, presignedHttp: 1, ec2CredentialsOutsideAws: 1 },
    });
    const report = bucketReport({
      findings: { legacyTls: 3, sigV2: 2, presignedHttp: 1, ec2CredentialsOutsideAws: 1 },
    });

    // Act
    const plain = assessReadiness(input({ report, clients: [legacy, presigned] }));
    const withMinimum = assessReadiness(input({ report, clients: [legacy, presigned], minTlsVersion: '1.2' }));

    // Assess
    expect(plain.verdict).toBe('ready');
    expect(codes(plain.warnings)).toEqual(['legacy-tls', 'sig-v2', 'presigned-http', 'ec2-credentials-outside-aws']);
    expect(plain.warnings[0]?.detail).toMatchObject({
      requests: 3,
      clients: [{ address: '81.2.69.142', tlsVersions: { TLSv1: 3 } }],
    });
    expect(withMinimum.verdict).toBe('not-ready');
    expect(withMinimum.reasons).toEqual([
      {
        code: 'legacy-tls',
        detail: { requests: 3, minTlsVersion: '1.2', clients: [expect.objectContaining({ address: '81.2.69.142' })] },
      },
    ]);
    expect(codes(withMinimum.warnings)).toEqual(['sig-v2', 'presigned-http', 'ec2-credentials-outside-aws']);
  });

  it('gives every reason that applies at once', () => {
    // Prepare
    const given = input({
      report: bucketReport({ http: 10, https: 80, unknown: 10, website: { requests: 4, http: 4 } }),
      clients: [client({ count: 10 })],
      hourItemsHours: ALL_HOURS.slice(0, 24),
    });

    // Act
    const result = assessReadiness(given);

    // Assess
    expect(codes(result.reasons)).toEqual(['http-clients', 'website-endpoint', 'unknown-share', 'coverage-gaps']);
  });

  it('refuses an open or inverted window and bad thresholds', () => {
    // Act / Assess
    expect(() => assessReadiness(input({ window: { fromHour: '2026-11-02T00', toHour: '2026-11-01T00' } }))).toThrow(
      RangeError,
    );
    expect(() => assessReadiness(input({ window: { fromHour: '', toHour: '2026-11-01T00' } }))).toThrow(
      /closed window/,
    );
    expect(() => assessReadiness(input({ thresholds: { maxGapHours: -1 } }))).toThrow(/maxGapHours/);
    expect(() => assessReadiness(input({ thresholds: { maxUnknownShare: 2 } }))).toThrow(/maxUnknownShare/);
  });
});

describe('Function: findGaps', () => {
  it('merges consecutive empty hours, including at both ends', () => {
    // Prepare
    const hours = hoursBetween('2026-11-01T22', '2026-11-02T05');
    const withData = new Set(['2026-11-02T00', '2026-11-02T03']);

    // Act
    const gaps = findGaps(hours, withData);

    // Assess
    expect(gaps).toEqual([
      { from: '2026-11-01T22', to: '2026-11-01T23', hours: 2 },
      { from: '2026-11-02T01', to: '2026-11-02T02', hours: 2 },
      { from: '2026-11-02T04', to: '2026-11-02T05', hours: 2 },
    ]);
  });
});

describe('Function: readinessWindow', () => {
  const now = new Date('2026-11-26T15:42:00Z');

  it.each([
    [
      'nothing given: the last 30 days up to the current hour',
      {},
      { fromHour: '2026-10-27T16', toHour: '2026-11-26T15' },
    ],
    ['a number of days', { days: 1 }, { fromHour: '2026-11-25T16', toHour: '2026-11-26T15' }],
    [
      'an end only: the days before it',
      { until: '2026-11-01', days: 2 },
      { fromHour: '2026-10-30T01', toHour: '2026-11-01T00' },
    ],
    ['a start only: up to now', { since: '2026-11-20' }, { fromHour: '2026-11-20T00', toHour: '2026-11-26T15' }],
    ['both ends', { since: '2026-11-20', until: '2026-11-21' }, { fromHour: '2026-11-20T00', toHour: '2026-11-21T00' }],
  ])('closes the window from %s', (_what, given, window) => {
    expect(readinessWindow(given, now)).toEqual(window);
  });

  it.each([
    ['a start and a number of days', { since: '2026-11-20', days: 7 }, ConflictingValuesError],
    ['zero days', { days: 0 }, InvalidValueError],
    ['a start in the future', { since: '2027-01-01' }, EmptyWindowError],
    ['a start after the end', { since: '2026-11-21', until: '2026-11-20' }, EmptyWindowError],
    ['a start it cannot read', { since: 'last tuesday' }, InvalidValueError],
  ])('refuses %s with a typed error that names no CLI flag', (_what, given, type) => {
    // Act
    const close = () => readinessWindow(given, now);

    // Assess
    expect(close).toThrow(type);
    expect(close).not.toThrow(/--/);
  });

  it('says, for a start after now, that the end was implied', () => {
    expect(() => readinessWindow({ since: '2027-01-01' }, now)).toThrow(
      expect.objectContaining({
        start: { value: '2027-01-01', hour: '2027-01-01T00' },
        end: { hour: '2026-11-26T15' },
      }),
    );
  });
});

describe('Function: closeWindowOverData', () => {
  const now = new Date('2026-11-26T15:42:00Z');
  const reports = [
    { firstHour: '2026-11-03T10', lastHour: '2026-11-05T08' },
    { firstHour: '2026-11-01T00', lastHour: '2026-11-04T23' },
    {},
  ];

  it.each([
    [
      'an open window at the first and last hour of data',
      {},
      reports,
      { fromHour: '2026-11-01T00', toHour: '2026-11-05T08' },
    ],
    [
      'a given end and the first hour of data',
      { toHour: '2026-11-04T00' },
      reports,
      { fromHour: '2026-11-01T00', toHour: '2026-11-04T00' },
    ],
    [
      'a given start and the last hour of data',
      { fromHour: '2026-11-02T00' },
      reports,
      { fromHour: '2026-11-02T00', toHour: '2026-11-05T08' },
    ],
    ['no data: the current hour, one hour long', {}, [{}], { fromHour: '2026-11-26T15', toHour: '2026-11-26T15' }],
  ])('closes %s', (_what, window, data, closed) => {
    expect(closeWindowOverData(window, data, now)).toEqual(closed);
  });
});
