import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countLog } from '../../lib/count/pipeline';
import { fixedIpRanges, StoredIpRanges } from '../../lib/count/ranges-provider';
import { httpGetBytes, parseRangesTrigger, refreshIpRanges } from '../../lib/lambda/ranges-refresh';
import { bundledIpRanges, parseIpRanges } from '../../lib/net/aws-ranges';
import { parseIp } from '../../lib/net/ip-address';
import { AggregateStore } from '../../lib/store';
import { testDynamoDbClient } from '../support/aws';
import { bufferSource, dumpAggregates, freshTable, InjectedFault, injectFault } from '../support/counting';

/** The bundled snapshot with a newer syncToken and one more EC2 range: a plausible next version. */
function nextVersion(): Buffer {
  const json = JSON.parse(readFileSync(path.join(__dirname, '../../lib/data/ip-ranges.json'), 'utf8'));
  json.syncToken = String(Number(json.syncToken) + 1000);
  json.createDate = '2026-11-25-10-00-00';
  json.prefixes.push({
    ip_prefix: '198.51.100.0/24',
    region: 'eu-west-3',
    service: 'EC2',
    network_border_group: 'eu-west-3',
  });
  return Buffer.from(JSON.stringify(json));
}

describe('Fresh AWS ranges', () => {
  const body = nextVersion();
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // A loopback server stands in for ip-ranges.amazonaws.com: tests fetch nothing from the internet.
    server = createServer((_request, response) => response.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ip-ranges.json`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('stores a newer ip-ranges.json announced on AmazonIpSpaceChanged, and the analyzer then classifies with it', async () => {
    // Prepare
    const store = new AggregateStore(testDynamoDbClient(), await freshTable());
    const md5 = createHash('md5').update(body).digest('hex');
    const notice = parseRangesTrigger({
      Records: [
        {
          Sns: {
            Message: JSON.stringify({
              'create-time': '2026-11-25T10:00:00+00:00',
              synctoken: '1787412825',
              md5,
              url: 'https://ip-ranges.amazonaws.com/ip-ranges.json',
            }),
          },
        },
      ],
    });
    const source = new StoredIpRanges(store, bundledIpRanges);
    const address = parseIp('198.51.100.4');
    if (!address) throw new Error('test address does not parse');
    expect((await source.current()).lookup(address)).toBeUndefined();

    // Act
    const result = await refreshIpRanges(notice, { store, fetchBytes: httpGetBytes(5000), url });

    // Assess
    expect(result).toMatchObject({
      syncToken: String(Number(bundledIpRanges().syncToken) + 1000),
      becameCurrent: true,
    });
    const fresh = await new StoredIpRanges(store, bundledIpRanges).current();
    expect(fresh.syncToken).toBe(result.syncToken);
    expect(fresh.lookup(address)).toMatchObject({ service: 'EC2', region: 'eu-west-3' });
  });

  it('refuses a download whose MD5 differs from the announcement, and keeps the last good version', async () => {
    const store = new AggregateStore(testDynamoDbClient(), await freshTable());
    await expect(
      refreshIpRanges({ md5: '0'.repeat(32) }, { store, fetchBytes: httpGetBytes(5000), url }),
    ).rejects.toThrow(/MD5 .* differs/);
    expect(await store.loadIpRanges('current')).toBeUndefined();
  });

  it('does not let an older version replace a newer current one', async () => {
    const store = new AggregateStore(testDynamoDbClient(), await freshTable());
    await refreshIpRanges({}, { store, fetchBytes: httpGetBytes(5000), url });
    const older = readFileSync(path.join(__dirname, '../../lib/data/ip-ranges.json'));
    const result = await refreshIpRanges({}, { store, fetchBytes: async () => older });
    expect(result.becameCurrent).toBe(false);
    expect((await store.loadIpRanges('current', { withData: false }))?.syncToken).toBe(
      parseIpRanges(JSON.parse(body.toString()), 'x').syncToken,
    );
  });

  it('refuses a notification that points anywhere but ip-ranges.amazonaws.com', () => {
    expect(() =>
      parseRangesTrigger({ Records: [{ Sns: { Message: JSON.stringify({ url: 'http://evil.example/ip.json' }) } }] }),
    ).toThrow(/is not https:\/\/ip-ranges\.amazonaws\.com/);
  });

  it('completes a retry from the intent of the attempt it resumes, even after the current ranges changed', async () => {
    // Prepare: an HTTP request from 198.51.100.4, which only the newer version calls EC2.
    const log = Buffer.from(
      JSON.stringify({
        Records: Array.from({ length: 30 }, (_, i) => ({
          eventVersion: '1.10',
          eventSource: 's3.amazonaws.com',
          eventType: 'AwsApiCall',
          eventName: 'GetObject',
          eventID: `e-${i}`,
          eventTime: `2026-11-20T${String(i % 24).padStart(2, '0')}:00:00Z`,
          sourceIPAddress: '198.51.100.4',
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/u' },
          requestParameters: { bucketName: 'pinned' },
          additionalEventData: { SignatureVersion: 'SigV4' },
        })),
      }),
    );
    const newer = parseIpRanges(JSON.parse(body.toString()), 'newer');
    const truthClient = testDynamoDbClient();
    const truthTable = await freshTable(truthClient);
    await countLog(
      {
        store: new AggregateStore(truthClient, truthTable, { chunkSize: 5 }),
        ranges: fixedIpRanges(bundledIpRanges()),
        networks: [],
      },
      bufferSource('pinned-log', log),
    );

    const faulty = testDynamoDbClient();
    const table = await freshTable(faulty);
    injectFault(faulty, { failAt: 5, when: 'before' });
    await expect(
      countLog(
        {
          store: new AggregateStore(faulty, table, { chunkSize: 5 }),
          ranges: fixedIpRanges(bundledIpRanges()),
          networks: [],
        },
        bufferSource('pinned-log', log),
      ),
    ).rejects.toThrow(InjectedFault);

    // Act: the retry runs where the newer ranges are current and the bundled ones can still be had.
    const healthy = testDynamoDbClient();
    const bothVersions = {
      current: async () => newer,
      version: async (token: string) =>
        token === bundledIpRanges().syncToken ? bundledIpRanges() : token === newer.syncToken ? newer : undefined,
    };
    const retry = await countLog(
      { store: new AggregateStore(healthy, table, { chunkSize: 5 }), ranges: bothVersions, networks: [] },
      bufferSource('pinned-log', log),
    );

    // Assess: the retry did not classify again, it applied what the first attempt decided.
    expect(retry.status).toBe('completed');
    expect(await dumpAggregates(healthy, table)).toEqual(await dumpAggregates(truthClient, truthTable));
  });
});
