import { describe, expect, it } from 'vitest';
import { httpClientSightings, httpIdentity, type NewHttpClient } from '../../lib/core/http-identity';
import type { ClientTally, HourTally } from '../../lib/core/tally';
import { newClientAlertMessage } from '../../lib/lambda/new-client-alert';

function clientTally(
  overrides: Partial<Omit<ClientTally, 'client'>> & { client?: Partial<ClientTally['client']> } = {},
): ClientTally {
  return {
    kind: 'client',
    source: 'cloudtrail',
    bucket: 'acme-data',
    day: '2025-03-10',
    counters: { requests: 2, http: 2, op_GetObject: 1, op_PutObject: 1 },
    seen: [1741601000, 1741602000],
    rangesSyncTokens: [],
    ...overrides,
    client: {
      clientId: 'c1',
      address: '203.0.113.24',
      class: 'external',
      principal: 'arn:aws:iam::111122223333:user/alice',
      userAgent: '[aws-cli/2.24.10]',
      ...overrides.client,
    },
  };
}

describe('Function: httpIdentity', () => {
  it('names a client by its named network, or else its address, and by its principal', () => {
    // Prepare
    const alice = 'arn:aws:iam::111122223333:user/alice';
    const bob = 'arn:aws:iam::111122223333:user/bob';

    // Act
    const officeA = httpIdentity({ address: '198.51.100.5', network: 'office', principal: alice });
    const officeB = httpIdentity({ address: '198.51.100.6', network: 'office', principal: alice });
    const home = httpIdentity({ address: '198.51.100.5', principal: alice });
    const bobInOffice = httpIdentity({ address: '198.51.100.5', network: 'office', principal: bob });

    // Assess
    expect(officeA).toBe(officeB);
    expect(new Set([officeA, home, bobInOffice]).size).toBe(3);
    expect(officeA).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('Function: httpClientSightings', () => {
  it('makes one sighting per bucket and identity from client tallies with plain HTTP, described by the earliest', () => {
    // Prepare: the same identity on two days with two user agents; an HTTPS-only client; another bucket.
    const later = clientTally({ day: '2025-03-11', seen: [1741690000, 1741691000] });
    const earlier = clientTally({
      seen: [1741600500, 1741601500],
      counters: { requests: 3, http: 3, op_PutObject: 2, op_GetObject: 1 },
      client: { clientId: 'c2', userAgent: 'Mozilla/5.0' },
    });
    const httpsOnly = clientTally({ counters: { requests: 1, https: 1, tls_legacy: 1 }, seen: [] });
    const otherBucket = clientTally({ bucket: 'acme-site' });
    const hour: HourTally = {
      kind: 'hour',
      source: 'cloudtrail',
      bucket: 'acme-data',
      hour: '2025-03-10T10',
      counters: { http: 5 },
      seen: [1741600500],
      rangesSyncTokens: [],
    };

    // Act
    const sightings = httpClientSightings([later, httpsOnly, hour, earlier, otherBucket]);

    // Assess
    expect(sightings).toEqual([
      {
        bucket: 'acme-data',
        identity: httpIdentity(earlier.client),
        firstSeen: 1741600500,
        address: '203.0.113.24',
        class: 'external',
        principal: 'arn:aws:iam::111122223333:user/alice',
        userAgent: 'Mozilla/5.0',
        operation: 'PutObject',
        outcome: 'served',
      },
      expect.objectContaining({ bucket: 'acme-site', firstSeen: 1741601000, operation: 'GetObject' }),
    ]);
  });

  it('says refused only when S3 refused every plain-HTTP request that made the client known', () => {
    // Prepare
    const allRefused = clientTally({ counters: { requests: 2, http: 2, http_denied: 2, op_GetObject: 2 } });
    const oneServed = clientTally({
      bucket: 'acme-site',
      counters: { requests: 2, http: 2, http_denied: 1, op_GetObject: 2 },
    });

    // Act
    const sightings = httpClientSightings([allRefused, oneServed]);

    // Assess
    expect(sightings.map((sighting) => [sighting.bucket, sighting.outcome])).toEqual([
      ['acme-data', 'refused'],
      ['acme-site', 'served'],
    ]);
  });

  it('gives the same sightings whatever the order of the tallies', () => {
    const tallies = [
      clientTally({ client: { address: '198.51.100.5', network: 'office' }, seen: [1741601000] }),
      clientTally({ client: { address: '198.51.100.6', network: 'office', instanceId: 'i-0abc' }, seen: [1741601000] }),
      clientTally({ client: { address: '81.2.69.142' }, seen: [1741600000] }),
    ];
    expect(httpClientSightings([...tallies].reverse())).toEqual(httpClientSightings(tallies));
  });
});

describe('Function: newClientAlertMessage', () => {
  const client: NewHttpClient = {
    batchId: 'b1',
    bucket: 'acme-data',
    identity: 'id-1',
    firstSeen: 1741601080,
    address: '54.250.112.45',
    class: 'ec2',
    instanceId: 'i-0a1b2c3d4e5f60718',
    principal: 'arn:aws:sts::111122223333:assumed-role/app-server/i-0a1b2c3d4e5f60718',
    userAgent: '[aws-sdk-java/2.30.1]',
    operation: 'PutObject',
  };

  it('names every field of the client and the commands to run next', () => {
    // Act
    const message = newClientAlertMessage([client], { table: 'cleartrail-prod', region: 'eu-west-1' });

    // Assess
    expect(message.subject).toBe('cleartrail: a new plain-HTTP client on acme-data');
    expect(message.body).toContain(
      [
        'bucket:      acme-data',
        'address:     54.250.112.45 (ec2)',
        'instance:    i-0a1b2c3d4e5f60718',
        'principal:   arn:aws:sts::111122223333:assumed-role/app-server/i-0a1b2c3d4e5f60718',
        'user agent:  [aws-sdk-java/2.30.1]',
        'first seen:  2025-03-10T10:04:40Z, PutObject',
        'next:',
        '  npx cleartrail clients --table cleartrail-prod --region eu-west-1 --bucket acme-data --since 2025-03-10T10:00Z',
        '  npx cleartrail enforce-check --table cleartrail-prod --region eu-west-1 --bucket acme-data',
      ].join('\n'),
    );
  });

  it('keeps the subject a short ASCII line and the message bounded, whatever the clients', () => {
    // Prepare: 60 clients on two buckets, with very long user agents and a non-ASCII bucket-like text.
    const many = Array.from({ length: 60 }, (_, index) => ({
      ...client,
      identity: `id-${index}`,
      bucket: index % 2 === 0 ? 'acme-data' : 'acme-site',
      firstSeen: client.firstSeen + index,
      userAgent: `agent-${'x'.repeat(5000)}`,
    }));

    // Act
    const message = newClientAlertMessage(many, { table: 'cleartrail-prod' });

    // Assess
    expect(message.subject).toBe('cleartrail: 60 new plain-HTTP clients on 2 buckets');
    expect(message.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
    expect(message.body.match(/^bucket: /gm)).toHaveLength(50);
    expect(message.body).toContain(
      '... and 10 more. All of them:\n  npx cleartrail clients --new --table cleartrail-prod --since 2025-03-10T10:00Z',
    );
    expect(Buffer.byteLength(message.body)).toBeLessThan(64 * 1024);
  });

  it('lists refused clients apart, last, as enforcement working on a broken client', () => {
    // Prepare
    const served = { ...client, identity: 'id-served', outcome: 'served' as const, firstSeen: client.firstSeen + 60 };
    const refused = { ...client, identity: 'id-refused', address: '203.0.113.9', outcome: 'refused' as const };

    // Act
    const mixed = newClientAlertMessage([refused, served], { table: 'cleartrail-prod' });
    const onlyRefused = newClientAlertMessage([refused], { table: 'cleartrail-prod' });

    // Assess
    expect(mixed.subject).toBe('cleartrail: 2 new plain-HTTP clients on acme-data (1 refused)');
    expect(mixed.body).toContain('1 of them was refused by S3 (listed last): enforcement is working there.');
    const outcomes = mixed.body.match(/^outcome: .*$/gm);
    expect(outcomes).toEqual([
      'outcome:     served over plain HTTP',
      'outcome:     refused, enforcement is working; this client is broken',
    ]);
    expect(mixed.body.indexOf('203.0.113.9')).toBeGreaterThan(mixed.body.indexOf('54.250.112.45'));
    expect(onlyRefused.subject).toBe('cleartrail: a new plain-HTTP client on acme-data (refused: enforcement working)');
    expect(onlyRefused.body).toContain('S3 refused it: enforcement is working, and this client is broken.');
    expect(onlyRefused.body).not.toContain('would answer them 403');
  });
});
