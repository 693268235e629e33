import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccessLogObjects } from '../../lib/s3/log-objects';
import { testS3Client, uniqueName } from '../support/aws';
import { runCli } from '../support/cli';
import {
  EXPECTED_ACCESS_LOG_BUCKETS,
  EXPECTED_ACCESS_LOG_OBJECTS,
  SAMPLE_ACCESS_LOGS,
} from '../support/sample-access-logs';
import { contract } from '../support/sample-logs';
import { syntheticLogJson } from '../support/synthetic-log';

const ENV = { ...process.env, CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true' };
const [FLAT_EARLY, PARTITIONED, FLAT_LATE] = EXPECTED_ACCESS_LOG_OBJECTS.map((object) =>
  readFileSync(path.join(SAMPLE_ACCESS_LOGS, object.path)),
) as [Buffer, Buffer, Buffer];
const MEDIA_FOLDER = '111122223333/us-east-1/acme-media';

/**
 * The bucket: CloudTrail files below AWSLogs/ and access-log objects in both layouts below their
 * target prefix `access/`, each with whether the window 2025-03-10T10..23 takes it. (On S3 one
 * prefix can hold both; s3rver's delimiter listing of a level with objects hides its folders.)
 */
const OBJECTS: Array<{ key: string; body: Buffer; inWindow: boolean }> = [
  {
    key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/09/111122223333_CloudTrail_us-east-1_20250309T2305Z_xxxxxxxxxxxxx001.json.gz',
    body: gzipSync(syntheticLogJson({ records: 30, seed: 1 })),
    inWindow: false,
  },
  {
    key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/111122223333_CloudTrail_us-east-1_20250310T1205Z_xxxxxxxxxxxxx002.json.gz',
    body: gzipSync(syntheticLogJson({ records: 30, seed: 2 })),
    inWindow: true,
  },
  // Flat: before, in and after the window.
  { key: 'access/2025-03-10-09-20-31-5C2E8A1F7B9D4E60', body: FLAT_EARLY, inWindow: false },
  { key: 'access/2025-03-10-11-00-44-A7F3C9E15B2D8046', body: FLAT_LATE, inWindow: true },
  { key: 'access/2025-03-11-00-00-01-0A0B0C0D0E0F1011', body: FLAT_LATE, inWindow: false },
  // A target prefix that ends in the file name sorts after every stamped name.
  { key: 'access/logs-2025-03-10-13-00-00-1B2C3D4E5F607182', body: FLAT_EARLY, inWindow: true },
  // Partitioned: the sample, and one filed under the day of its requests (event-time partitioning).
  { key: `access/${MEDIA_FOLDER}/2025/03/10/2025-03-10-10-05-12-8D41B7C2E9F03A15`, body: PARTITIONED, inWindow: true },
  { key: `access/${MEDIA_FOLDER}/2025/03/09/2025-03-10-10-30-00-1A2B3C4D5E6F7081`, body: PARTITIONED, inWindow: true },
  { key: `access/${MEDIA_FOLDER}/2025/03/09/2025-03-09-23-10-00-2A2B3C4D5E6F7082`, body: PARTITIONED, inWindow: false },
  { key: `access/${MEDIA_FOLDER}/2025/03/11/2025-03-11-01-00-00-3A2B3C4D5E6F7083`, body: PARTITIONED, inWindow: false },
  // An account folder that sorts after the flat names (`4...` > `2025-`).
  {
    key: 'access/444455556666/eu-west-1/acme-data/2025/03/10/2025-03-10-12-00-00-4A2B3C4D5E6F7084',
    body: FLAT_EARLY,
    inWindow: true,
  },
  { key: 'access/README.txt', body: Buffer.from('not a log\n'), inWindow: false },
  // The samples alone under a prefix of their own, for the hand-derived figures.
  ...EXPECTED_ACCESS_LOG_OBJECTS.map((object, index) => ({
    key: `only-samples/${object.path}`,
    body: [FLAT_EARLY, PARTITIONED, FLAT_LATE][index] as Buffer,
    inWindow: false,
  })),
];

/** The contract fields of `report --json`, plus the source each bucket's figures come from. */
function withSource(buckets: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> {
  return buckets.map((bucket) => ({ ...contract([bucket])[0], source: bucket.source }));
}

describe('CLI: analyze s3:// of S3 server access logs against s3rver', () => {
  const bucket = uniqueName('access-logs');
  const dataDirs: string[] = [];
  const store = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cleartrail-s3-access-'));
    dataDirs.push(dir);
    return ['--data-dir', dir];
  };

  beforeAll(async () => {
    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const object of OBJECTS) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const dir of dataDirs) await runCli(['store', 'stop', '--data-dir', dir], undefined, ENV);
  }, 60_000);

  it('counts the access-log and CloudTrail objects delivered in the window, as a local copy of them counts', async () => {
    // Prepare: the same objects, under the same names, in a local folder.
    const local = mkdtempSync(path.join(tmpdir(), 'cleartrail-s3-access-copy-'));
    for (const object of OBJECTS.filter((o) => o.inWindow)) {
      mkdirSync(path.dirname(path.join(local, object.key)), { recursive: true });
      writeFileSync(path.join(local, object.key), object.body);
    }
    const fromS3 = store();
    const fromDisk = store();

    // Act
    const analyzed = await runCli(
      [
        'analyze',
        '--json',
        '--since',
        '2025-03-10T10:00Z',
        '--until',
        '2025-03-10T23:59Z',
        ...fromS3,
        `s3://${bucket}/AWSLogs/`,
        `s3://${bucket}/access/`,
      ],
      undefined,
      ENV,
    );
    const copied = await runCli(['analyze', '--json', ...fromDisk, local], undefined, ENV);
    const s3Report = await runCli(['report', '--json', ...fromS3], undefined, ENV);
    const localReport = await runCli(['report', '--json', ...fromDisk], undefined, ENV);

    // Assess
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const files = JSON.parse(analyzed.stdout).files as Array<{ file: string; status: string }>;
    expect(files.map((f) => f.file).sort()).toEqual(
      OBJECTS.filter((o) => o.inWindow)
        .map((o) => `s3://${bucket}/${o.key}`)
        .sort(),
    );
    expect(files.every((f) => f.status === 'counted')).toBe(true);
    expect(copied.code, copied.stderr).toBe(0);
    expect(JSON.parse(copied.stdout).files).toHaveLength(files.length);
    const buckets = JSON.parse(s3Report.stdout).buckets as Array<Record<string, unknown>>;
    expect(buckets.map((b) => b.source)).toContain('access-log');
    expect(buckets).toEqual(JSON.parse(localReport.stdout).buckets);
  }, 180_000);

  it('lists no flat object delivered before the window, and reads no object past its end', async () => {
    // Prepare: the real client, recording every key the server answers with.
    const s3 = testS3Client();
    const seen = recordListedKeys(s3);

    // Act
    const refs = [];
    const window = { fromHour: '2025-03-10T10', toHour: '2025-03-10T23' };
    for await (const ref of listAccessLogObjects(s3, { bucket, prefix: 'access/' }, window)) refs.push(ref.key);

    // Assess
    expect(refs.sort()).toEqual(
      OBJECTS.filter((o) => o.inWindow && o.key.startsWith('access/'))
        .map((o) => o.key)
        .sort(),
    );
    // The flat listing starts at the window; the account walk sees the first flat name of the year, once.
    expect(seen.keys.filter((k) => k.command === 'ListObjectsV2Command').map((k) => k.key)).not.toContain(
      'access/2025-03-10-09-20-31-5C2E8A1F7B9D4E60',
    );
    expect(seen.keys.filter((k) => k.key === 'access/2025-03-10-09-20-31-5C2E8A1F7B9D4E60')).toHaveLength(1);
    // Flat: 2 listings (from the window's start, then past the stamped names to `logs-...`). Account
    // walk: 6 single-key listings (2 accounts, 1 year of flat names, README.txt, logs-..., the end).
    // Per account: regions 3 and buckets 3 (a delimiter listing that s3rver answers empty, then a
    // single-key walk of 2; on S3 one each) and 2 day folders (the window's day and the day before).
    expect(seen.requests).toBe(2 + 6 + 2 * (3 + 3 + 2));
  }, 60_000);

  it('gives the hand-derived figures of the samples in both layouts, and counts nothing twice', async () => {
    const dir = store();

    // Act
    const first = await runCli(['analyze', '--json', ...dir, `s3://${bucket}/only-samples/`], undefined, ENV);
    const again = await runCli(['analyze', '--json', ...dir, `s3://${bucket}/only-samples/`], undefined, ENV);

    // Assess
    expect(first.code, first.stderr).toBe(0);
    const statuses = (output: string) => (JSON.parse(output).files as Array<{ status: string }>).map((f) => f.status);
    expect(statuses(first.stdout)).toEqual(['counted', 'counted', 'counted']);
    expect(statuses(again.stdout)).toEqual(['already-counted', 'already-counted', 'already-counted']);
    expect(withSource(JSON.parse(again.stdout).buckets)).toEqual(EXPECTED_ACCESS_LOG_BUCKETS);
  }, 180_000);
});

/** Counts the requests a client sends and the object keys listings answer with, through the SDK's own middleware. */
function recordListedKeys(s3: S3Client): { keys: Array<{ command: string; key: string }>; requests: number } {
  const seen = { keys: [] as Array<{ command: string; key: string }>, requests: 0 };
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      seen.requests += 1;
      const result = await next(args);
      const output = result.output as { Contents?: Array<{ Key?: string }> };
      for (const object of output.Contents ?? []) {
        if (object.Key) seen.keys.push({ command: context.commandName ?? '', key: object.Key });
      }
      return result;
    },
    { step: 'initialize' },
  );
  return seen;
}
