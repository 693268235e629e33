import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { parseEventTime } from '../../lib/classify/request';
import { createSourceClassifier } from '../../lib/classify/request-source';
import { MalformedLogError } from '../../lib/core/errors';
import { type ClientTally, type HourTally, mergeTallies, type Tally } from '../../lib/core/tally';
import { Aggregate, LogFold } from '../../lib/count/fold';
import { CloudTrailRequests } from '../../lib/formats/cloudtrail';
import { EventIdSet } from '../../lib/formats/event-id-set';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { parseNamedNetworks } from '../../lib/net/named-networks';

const ranges = bundledIpRanges();
const office = parseNamedNetworks('office=203.0.113.0/24');

let sequence = 0;
const record = (overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord => ({
  eventVersion: '1.09',
  eventSource: 's3.amazonaws.com',
  eventType: 'AwsApiCall',
  eventName: 'GetObject',
  eventTime: '2026-11-20T10:15:00Z',
  eventID: `event-${++sequence}`,
  sourceIPAddress: '203.0.113.7',
  userAgent: 'aws-cli/2.15.0',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' },
  requestParameters: { bucketName: 'acme-data' },
  additionalEventData: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader' },
  ...overrides,
});

const https = (overrides: Partial<CloudTrailRecord> = {}) =>
  record({ tlsDetails: { tlsVersion: 'TLSv1.2' }, ...overrides });

/** Folds records as the CloudTrail format and the pipeline do, tallies in merged (sorted) order. */
function fold(records: CloudTrailRecord[], networks = office) {
  const sources = createSourceClassifier(ranges, networks);
  const requests = new CloudTrailRequests('test.json', sources);
  const logFold = new LogFold(sources.rangesSyncToken);
  for (const r of records) {
    const request = requests.accept(r);
    if (request) logFold.add(request);
  }
  const folded = logFold.finish(requests.summary);
  return { ...folded, tallies: mergeTallies([folded.tallies]) };
}

const hourKey = (bucket: string, hour: string) => `hour ${bucket} ${hour}`;
const byKey = (tallies: Tally[]) =>
  new Map(
    tallies.map((t) => [
      t.kind === 'hour' ? hourKey(t.bucket, t.hour) : `client ${t.bucket} ${t.day} ${t.client.address}`,
      t,
    ]),
  );
const clientsOf = (tallies: Tally[]) => tallies.filter((t): t is ClientTally => t.kind === 'client');

describe('Class: LogFold with the CloudTrail format', () => {
  it('counts verdicts, reasons, TLS versions and HTTP sources per bucket and UTC hour', () => {
    // Prepare
    const records = [
      https(),
      https({ eventTime: '2026-11-20T10:59:59Z' }),
      record(),
      record({ sourceIPAddress: '198.51.100.20' }),
      record({ sourceIPAddress: 'AWS Internal', userAgent: 'AWS Internal' }),
      record({ eventVersion: '1.04', additionalEventData: undefined }),
      https({ eventTime: '2026-11-20T11:00:00Z' }),
    ];

    // Act
    const items = byKey(fold(records).tallies);

    // Assess
    expect(items.get(hourKey('acme-data', '2026-11-20T10'))?.counters).toEqual({
      https: 2,
      'reason_tls-details': 2,
      'tls_TLSv1.2': 2,
      http: 2,
      'reason_no-tls-with-evidence': 2,
      http_external: 2,
      http_net_office: 1,
      service: 1,
      'reason_service-source': 1,
      unknown: 1,
      'reason_no-tls-evidence': 1,
    });
    expect(items.get(hourKey('acme-data', '2026-11-20T11'))?.counters).toEqual({
      https: 1,
      'reason_tls-details': 1,
      'tls_TLSv1.2': 1,
    });
  });

  it('keeps one client item per address, principal, user agent and day, with HTTP per hour and operations', () => {
    // Prepare
    const records = [
      record({ eventTime: '2026-11-20T10:20:00Z', eventName: 'PutObject' }),
      record({ eventTime: '2026-11-20T10:05:00Z' }),
      record({ eventTime: '2026-11-20T13:40:00Z' }),
      record({ eventTime: '2026-11-21T00:10:00Z' }),
      record({ userAgent: 'curl/8.5.0' }),
      https(),
    ];

    // Act
    const tallies = fold(records).tallies;
    const clients = clientsOf(tallies);

    // Assess
    expect(clients).toHaveLength(3);
    const cli = clients.filter((c) => c.client.userAgent === 'aws-cli/2.15.0');
    expect(cli.map((c) => c.day).sort()).toEqual(['2026-11-20', '2026-11-21']);
    const first = cli.find((c) => c.day === '2026-11-20');
    expect(first?.bucket).toBe('acme-data');
    expect(first?.client.clientId).toMatch(/^[\w-]{12}$/);
    expect(first?.counters).toEqual({
      requests: 3,
      http: 3,
      op_GetObject: 2,
      op_PutObject: 1,
      http_hour_10: 2,
      http_hour_13: 1,
    });
    expect(first?.seen).toEqual([Date.parse('2026-11-20T10:05:00Z') / 1000, Date.parse('2026-11-20T13:40:00Z') / 1000]);
    expect(cli.find((c) => c.day === '2026-11-21')?.counters).toMatchObject({ http: 1, http_hour_00: 1 });
    expect(first?.client).toMatchObject({
      address: '203.0.113.7',
      class: 'external',
      network: 'office',
      principal: 'arn:aws:iam::111122223333:user/alice',
    });
    // The exact time of the last plain-HTTP request lives on the bucket's hour, for `report`.
    const ten = tallies.find((t): t is HourTally => t.kind === 'hour' && t.hour === '2026-11-20T10');
    expect(ten?.seen).toEqual([Date.parse('2026-11-20T10:05:00Z') / 1000, Date.parse('2026-11-20T10:20:00Z') / 1000]);
  });

  it('counts a duplicate eventID once and ignores records that are not client API calls', () => {
    const aggregate = fold([
      record({ eventID: 'same' }),
      record({ eventID: 'same' }),
      record({ eventType: 'AwsServiceEvent' }),
      record({ userAgent: '[aws-sdk-js/3.1 ua/2.1 os/linux lang/js md/nodejs#22 cleartrail/0.1.0]' }),
    ]);
    expect(aggregate.summary).toEqual({
      s3Records: 4,
      requests: 1,
      duplicates: 1,
      notApiCalls: 1,
      ownRequests: 1,
      sharedRequests: 0,
    });
    expect(byKey(aggregate.tallies).get(hourKey('acme-data', '2026-11-20T10'))?.counters.http).toBe(1);
  });

  it('keeps requests with a sharedEventID apart for the store to claim', () => {
    const aggregate = fold([
      record({ sharedEventID: 'shared-1' }),
      record({ sharedEventID: 'shared-1', eventID: 'other-copy' }),
      record(),
    ]);
    expect(aggregate.shared.map((r) => r.sharedEventId)).toEqual(['shared-1']);
    expect(aggregate.shared[0]?.tallies.map((t) => t.kind)).toEqual(['hour', 'client']);
    expect(aggregate.summary.duplicates).toBe(1);
    expect(byKey(aggregate.tallies).get(hourKey('acme-data', '2026-11-20T10'))?.counters.http).toBe(1);
  });

  it('records TLS-hygiene findings: old TLS, SigV2, presigned URLs over HTTP, website endpoint', () => {
    const items = byKey(
      fold([
        https({ tlsDetails: { tlsVersion: 'TLSv1.1' } }),
        https({ additionalEventData: { SignatureVersion: 'SigV2', CipherSuite: 'x' }, tlsDetails: undefined }),
        record({ additionalEventData: { SignatureVersion: 'SigV4', AuthenticationMethod: 'QueryString' } }),
        record({
          requestParameters: { bucketName: 'acme-data', Host: 'acme-data.s3-website-us-east-1.amazonaws.com' },
        }),
      ]).tallies,
    );
    expect(items.get(hourKey('acme-data', '2026-11-20T10'))?.counters).toMatchObject({
      tls_legacy: 1,
      sigv2: 1,
      http_presigned: 1,
      website: 1,
      website_http: 1,
      http: 2,
      https: 2,
    });
    // HTTPS requests with findings are tracked on the client too, for the hygiene report.
    const clients = clientsOf([...items.values()]);
    expect(clients).toHaveLength(1);
    expect(clients[0]?.counters).toMatchObject({
      requests: 4,
      http: 2,
      https: 2,
      tls_legacy: 1,
      sigv2: 1,
      http_presigned: 1,
    });
  });

  it('names the object and the record when eventTime is unusable', () => {
    const requests = new CloudTrailRequests('s3://trail/x.json.gz', createSourceClassifier(ranges, []));
    requests.accept(record());
    expect(() => requests.accept(record({ eventTime: 'yesterday' }))).toThrow(MalformedLogError);
    expect(() => requests.accept(record({ eventTime: 'yesterday' }))).toThrow(
      /^s3:\/\/trail\/x\.json\.gz: S3 record 2: eventTime "yesterday"/,
    );
  });

  it('gives tallies in the same order whatever the order of the records', () => {
    const records = [
      record({ requestParameters: { bucketName: 'b' } }),
      https(),
      record({ eventTime: '2026-11-20T09:00:00Z' }),
      record({ sourceIPAddress: '192.0.2.1' }),
    ];
    const forward = fold(records).tallies;
    const backward = fold([...records].reverse()).tallies;
    expect(backward).toEqual(forward);
  });
});

describe('Class: Aggregate', () => {
  it('records the ranges syncToken on every tally', () => {
    const aggregate = fold([record()]);
    expect(aggregate.tallies.every((t) => t.rangesSyncTokens[0] === ranges.syncToken)).toBe(true);
    expect(new Aggregate('t').size).toBe(0);
  });
});

describe('Function: parseEventTime', () => {
  it('agrees with Date.parse on every day of four years and on fractions', () => {
    for (let t = Date.UTC(2023, 0, 1); t < Date.UTC(2027, 0, 1); t += 86_400_000 + 3_723_000) {
      const text = new Date(t).toISOString().replace('.000Z', 'Z');
      expect(parseEventTime(text), text).toBe(Math.floor(t / 1000));
    }
    expect(parseEventTime('2024-02-29T23:59:59.987Z')).toBe(Date.parse('2024-02-29T23:59:59Z') / 1000);
  });

  it.each([
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-20T24:00:00Z',
    '2026-11-20 10:00:00Z',
    '2026-11-20T10:00:00+01:00',
    '2026-11-20T10:00:00',
    '2026-11-20T10:00:0Z',
    '2026-11-20T10:00:00.Z',
    '2026-11-20T10:00:00.1aZ',
    '2026-11-20T10:00:00ZZ',
    '2026-11-20T10:00:00Z ',
    '２026-11-20T10:00:00Z',
    20,
  ])('refuses %s', (value) => {
    expect(parseEventTime(value)).toBeUndefined();
  });
});

describe('Class: EventIdSet', () => {
  it('tells a repeated S3 request id, read in place from a line, apart from every other id', () => {
    // Prepare
    const ids = new EventIdSet();
    const requestIds = Array.from(
      { length: 3000 },
      (_, i) => `${i.toString(36).toUpperCase().padStart(6, '0')}7F3EXAMPLE`,
    );
    const line = (id: string) => `owner bucket ${id} REST.GET.OBJECT`;

    // Act and assess
    for (const id of requestIds) expect(ids.addFrom(line(id), 13, 29)).toBe(true);
    for (const id of requestIds) expect(ids.add(id)).toBe(false);
    expect(ids.add('3e57427f3example')).toBe(true); // lower case: another id, through the string set
    expect(ids.add('3e57427f3example')).toBe(false);
    // A UUID whose words could equal a packed request id's is still another id: slots keep their kind.
    expect(ids.add('00000000-0000-0000-0000-000000000000')).toBe(true);
    expect(ids.add('0000000000000000')).toBe(true);
    expect(ids.add('0000000000000000')).toBe(false);
    expect(ids.size).toBe(3003);
  });

  it('tells a repeated id, UUID or not, across growth of the table', () => {
    const ids = new EventIdSet();
    const uuids = Array.from(
      { length: 5000 },
      (_, i) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${(i * 7919).toString(16).padStart(12, '0')}`,
    );
    for (const id of uuids) expect(ids.add(id)).toBe(true);
    for (const id of uuids) expect(ids.add(id)).toBe(false);
    expect(ids.add('not-a-uuid')).toBe(true);
    expect(ids.add('not-a-uuid')).toBe(false);
    // Same letters in another case are another id: the fast path refuses uppercase.
    expect(ids.add(uuids[0]?.toUpperCase().replace(/^0/, 'A') ?? '')).toBe(true);
    expect(ids.size).toBe(5002);
  });
});

describe('Class: LogFold, plain HTTP served or refused', () => {
  it('counts the refused (AccessDenied) part of HTTP apart, with its times, and other errors as served', () => {
    // Prepare: served at 10:05, then refused at 10:20 and 10:40, one NoSuchKey at 10:30, HTTPS refused too.
    const { tallies } = fold([
      record({ eventTime: '2026-11-20T10:05:00Z' }),
      record({ eventTime: '2026-11-20T10:20:00Z', errorCode: 'AccessDenied' }),
      record({ eventTime: '2026-11-20T10:30:00Z', errorCode: 'NoSuchKey' }),
      record({ eventTime: '2026-11-20T10:40:00Z', errorCode: 'AccessDenied', sourceIPAddress: '198.51.100.9' }),
      https({ eventTime: '2026-11-20T10:50:00Z', errorCode: 'AccessDenied' }),
    ]);

    // Assess
    const hour = byKey(tallies).get(hourKey('acme-data', '2026-11-20T10')) as HourTally;
    expect(hour.counters).toMatchObject({ http: 4, http_denied: 2, https: 1 });
    expect(hour.deniedSeen).toEqual([
      Date.parse('2026-11-20T10:20:00Z') / 1000,
      Date.parse('2026-11-20T10:40:00Z') / 1000,
    ]);
    expect(hour.servedSeen).toEqual([
      Date.parse('2026-11-20T10:05:00Z') / 1000,
      Date.parse('2026-11-20T10:30:00Z') / 1000,
    ]);
    const clients = byKey(tallies);
    expect((clients.get('client acme-data 2026-11-20 203.0.113.7') as ClientTally).counters).toMatchObject({
      http: 3,
      http_denied: 1,
      http_hour_10: 3,
      http_denied_hour_10: 1,
    });
    expect((clients.get('client acme-data 2026-11-20 198.51.100.9') as ClientTally).counters).toMatchObject({
      http: 1,
      http_denied: 1,
      http_denied_hour_10: 1,
    });
  });
});
