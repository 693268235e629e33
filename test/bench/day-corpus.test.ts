import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { createSourceClassifier } from '../../lib/classify/request-source';
import { classifyVerdict } from '../../lib/classify/verdict';
import { cloudTrailLogId } from '../../lib/formats/cloudtrail';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { mulberry32 } from '../support/random';
import { CLI_VARIANTS, formatDayTable, formatDayTargets, measureChild, measureCli } from './day';
import { CLOUDTRAIL_KEY, type ClientSourceKind, type DayManifest, dailySizes, writeDayCorpus } from './day-corpus';
import { corpusFiles, foldWithoutStore, naiveCount } from './day-peers';

// The day-corpus generator on a tiny day: 12 files, 3,000 records, small client pools. The
// properties the bench relies on, never timings.

const dir = mkdtempSync(join(tmpdir(), 'cleartrail-day-corpus-'));
let manifest: DayManifest;
let files: string[];

beforeAll(async () => {
  manifest = await writeDayCorpus(dir, {
    seed: 7,
    filesPerDay: 12,
    recordsPerDay: 3000,
    buckets: 5,
    httpsClients: 20,
    httpClients: 8,
  });
  files = corpusFiles(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordsOf(file: string): CloudTrailRecord[] {
  const log = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: CloudTrailRecord[] };
  return log.Records;
}

interface GeneratedRecord extends CloudTrailRecord {
  eventCategory?: string;
  recipientAccountId?: string;
}

describe('Function: writeDayCorpus', () => {
  it('names and files every delivery as CloudTrail does, one per interval of the day', () => {
    // Assess
    expect(files).toHaveLength(12);
    const keys = files.map((file) => relative(dir, file).split(sep).join('/'));
    expect(keys).toEqual(manifest.files.map((file) => file.key).sort());
    for (const key of keys) {
      const match = CLOUDTRAIL_KEY.exec(key);
      expect(match, key).not.toBeNull();
      const [, account, region, yyyy, mm, dd, stamp] = match as RegExpExecArray;
      expect([account, region]).toEqual(['111122223333', 'us-east-1']);
      expect(stamp?.slice(0, 8)).toBe(`${yyyy}${mm}${dd}`);
      // The pipeline identifies a CloudTrail file by its name alone.
      expect(cloudTrailLogId(key.slice(key.lastIndexOf('/') + 1))).toBeDefined();
    }
    const stamps = keys.map((key) => CLOUDTRAIL_KEY.exec(key)?.[6]);
    expect(stamps[0]).toBe('20261120T0000Z');
    expect(stamps[1]).toBe('20261120T0200Z');
    expect(new Set(keys.map((key) => key.slice(-24))).size).toBe(12);
  });

  it('scales to several days, one dated folder a day', async () => {
    // Prepare
    const scaled = mkdtempSync(join(tmpdir(), 'cleartrail-day-corpus-days-'));
    try {
      // Act
      const days = await writeDayCorpus(scaled, { days: 2, filesPerDay: 3, recordsPerDay: 60 });

      // Assess
      expect(days.files.map((file) => file.key.split('/').slice(4, 7).join('-'))).toEqual([
        ...Array(3).fill('2026-11-20'),
        ...Array(3).fill('2026-11-21'),
      ]);
      expect(days.totals.records).toBe(120);
      expect(corpusFiles(scaled)).toHaveLength(6);
    } finally {
      rmSync(scaled, { recursive: true, force: true });
    }
  });

  it('writes valid records, with event times from before each delivery and counts as the manifest says', () => {
    // Act
    const eventIds = new Set<string>();
    let records = 0;
    let s3DataEvents = 0;
    for (const file of manifest.files) {
      const delivered = Date.parse(file.deliveredAt);
      const list = recordsOf(join(dir, file.key)) as GeneratedRecord[];
      expect(list).toHaveLength(file.records);
      for (const record of list) {
        records++;
        expect(record.eventVersion).toMatch(/^1\.\d\d$/);
        expect(record.eventType).toBe('AwsApiCall');
        expect(record.recipientAccountId).toBe('111122223333');
        expect(record.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        const time = Date.parse(record.eventTime as string);
        // The interval before delivery (2 h at 12 files a day), a few records up to 10 minutes later still.
        expect(time).toBeLessThanOrEqual(delivered);
        expect(time).toBeGreaterThanOrEqual(delivered - 2 * 3600_000 - 10 * 60_000);
        eventIds.add(record.eventID as string);
        if (record.eventCategory === 'Data') {
          s3DataEvents++;
          expect(record.eventSource).toBe('s3.amazonaws.com');
          expect(manifest.buckets).toContain(record.requestParameters?.bucketName);
        }
      }
    }

    // Assess
    expect(records).toBe(3000);
    expect(manifest.totals.records).toBe(3000);
    expect(s3DataEvents).toBe(manifest.totals.s3DataEvents);
    expect(s3DataEvents / records).toBeGreaterThan(0.8);
    expect(s3DataEvents / records).toBeLessThan(0.95);
    expect(eventIds.size).toBe(records);
  });

  it('follows a daily curve: quiet nights, busy afternoons', () => {
    // Assess
    const sizes = manifest.files.map((file) => file.records);
    const night = (sizes[1] as number) + (sizes[2] as number); // 02:00 and 04:00 deliveries
    const afternoon = (sizes[8] as number) + (sizes[9] as number); // 16:00 and 18:00
    expect(afternoon).toBeGreaterThan(2 * night);
    expect(Math.max(...sizes) / Math.min(...sizes)).toBeGreaterThan(2);
    const day = dailySizes(mulberry32(1), 288, 580_000);
    expect(day.reduce((a, b) => a + b, 0)).toBe(580_000);
    expect(Math.max(...day) / Math.min(...day)).toBeGreaterThan(3);
  });

  it('has the HTTP and HTTPS clients it claims, from the source kinds it claims', () => {
    // Act: clients as lib/count/fold.ts tells them apart, verdicts and sources as cleartrail decides them.
    const sources = createSourceClassifier(bundledIpRanges(), []);
    const clients = { https: new Set<string>(), http: new Set<string>() };
    const httpBySource: Record<string, Set<string>> = {};
    const verdicts = { https: 0, http: 0, service: 0, unknown: 0 };
    let presigned = 0;
    let sigV2 = 0;
    for (const file of files) {
      for (const record of recordsOf(file) as GeneratedRecord[]) {
        if (record.eventCategory !== 'Data') continue;
        const { verdict } = classifyVerdict(record);
        verdicts[verdict]++;
        if (record.additionalEventData?.AuthenticationMethod === 'QueryString') presigned++;
        if (record.additionalEventData?.SignatureVersion === 'SigV2') sigV2++;
        if (verdict !== 'https' && verdict !== 'http') continue;
        const client = [record.userIdentity?.arn, record.userAgent, record.sourceIPAddress, record.vpcEndpointId].join(
          '|',
        );
        clients[verdict].add(client);
        if (verdict === 'http') {
          const kind = sources.classify(record).class;
          httpBySource[kind] ??= new Set();
          httpBySource[kind].add(client);
        }
      }
    }

    // Assess
    expect(clients.https.size).toBe(manifest.clients.https);
    expect(clients.http.size).toBe(manifest.clients.http);
    expect(manifest.clients.https).toBeLessThanOrEqual(manifest.clients.pool.https);
    expect(manifest.clients.http).toBeLessThanOrEqual(manifest.clients.pool.http);
    expect(manifest.clients.http).toBeGreaterThan(0);
    const claimed = Object.entries(manifest.clients.httpBySource).filter(([, n]) => n > 0);
    expect(Object.fromEntries(Object.entries(httpBySource).map(([kind, set]) => [kind, set.size]))).toEqual(
      Object.fromEntries(claimed) as Record<ClientSourceKind, number>,
    );
    expect(verdicts).toEqual({ ...manifest.totals.requests, unknown: 0 });
    expect(presigned).toBe(manifest.totals.presigned);
    expect(sigV2).toBe(manifest.totals.sigV2);
  });

  it('is read alike by the naive peer and by cleartrail without the store, and the table prints', async () => {
    // Act
    const naive = naiveCount(files);
    const folded = await foldWithoutStore(files);
    const rows = [
      { id: 'naive', name: 'naive', status: 'ok' as const, seconds: 2, nodePeakBytes: 1 << 20 },
      { id: 'cli', name: 'cli', status: 'ok' as const, seconds: 1, nodePeakBytes: 1 << 20, writeUnits: 10 },
      { id: 'cli-per-file', name: 'per file', status: 'not-supported' as const },
    ];

    // Assess
    expect(naive).toMatchObject({
      records: manifest.totals.records,
      s3Records: manifest.totals.s3Records,
      s3WithoutTls: manifest.totals.s3WithoutTls,
    });
    expect(folded).toMatchObject({ records: manifest.totals.records, s3Records: manifest.totals.s3Records });
    expect(formatDayTable(rows, 3000)).toContain('not supported');
    expect(formatDayTargets(rows, 3000)).toContain('2.00x');
    const batched = rows.map((row) =>
      row.id === 'cli-per-file' ? { ...row, status: 'ok' as const, seconds: 3, writeUnits: 200 } : row,
    );
    expect(formatDayTargets(batched, 3000)).toContain('10 vs 200 = 20.0x fewer  ✓');
  });

  it('runs as the day bench runs it: a peer and the CLI in their own processes, checked against the manifest', async () => {
    // Act
    const naive = await measureChild('naive', dir, manifest);
    const cli = await measureCli(CLI_VARIANTS[0] as (typeof CLI_VARIANTS)[number], dir, manifest);
    const unknownOption = await measureCli({ id: 'x', name: 'x', args: ['--no-such-option'] }, dir, manifest);

    // Assess
    expect(naive).toMatchObject({ status: 'ok' });
    expect(cli).toMatchObject({ status: 'ok' });
    if (cli.status !== 'ok' || naive.status !== 'ok') throw new Error(cli.note);
    expect(naive.nodePeakBytes).toBeGreaterThan(0);
    expect(cli.nodePeakBytes).toBeGreaterThan(0);
    expect(cli.note).toContain('12 files counted');
    expect(unknownOption).toMatchObject({ status: 'not-supported' });
  }, 60_000);
});
