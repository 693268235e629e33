import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifestKey } from '../../bin/commands/backfill-manifest';
import { testS3Client, uniqueName } from '../support/aws';
import { runCli } from '../support/cli';
import { syntheticLogJson } from '../support/synthetic-log';

const ENV = { ...process.env, CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true' };
const DAYS = ['23', '24', '25', '26'];
const HOURS = ['01', '12', '23'];
/** Account and region folders as an organisation trail and an account trail write them. */
const FOLDERS = [
  { path: 'AWSLogs/111122223333/CloudTrail/us-east-1', account: '111122223333', region: 'us-east-1' },
  { path: 'AWSLogs/111122223333/CloudTrail/eu-west-1', account: '111122223333', region: 'eu-west-1' },
  { path: 'AWSLogs/o-abcdefghij/444455556666/CloudTrail/us-east-1', account: '444455556666', region: 'us-east-1' },
];

/** Every delivery file of the bucket, with its delivery hour. */
const DELIVERIES = FOLDERS.flatMap((folder, f) =>
  DAYS.flatMap((day, d) =>
    HOURS.map((hour, h) => {
      const unique = `${f}${d}${h}`.padStart(16, 'x');
      const name = `${folder.account}_CloudTrail_${folder.region}_202611${day}T${hour}05Z_${unique}.json.gz`;
      return {
        key: `${folder.path}/2026/11/${day}/${name}`,
        hour: `2026-11-${day}T${hour}`,
        seed: 100 * f + 10 * d + h,
      };
    }),
  ),
);

describe('CLI: analyze s3:// and backfill-manifest against s3rver', () => {
  const bucket = uniqueName('trail');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cleartrail-s3-'));
  const store = ['--data-dir', dataDir];
  const inWindow = DELIVERIES.filter((file) => file.hour >= '2026-11-24T00' && file.hour <= '2026-11-25T23');

  beforeAll(async () => {
    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const file of DELIVERIES) {
      const body = gzipSync(syntheticLogJson({ records: 30, seed: file.seed }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: body }));
    }
    // Neither is a delivery file to count: a digest, and another service's log in the same bucket.
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261124T120500Z.json.gz',
        Body: gzipSync('{}'),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'AWSLogs/111122223333/Config/us-east-1/2026/11/24/config.json.gz',
        Body: gzipSync('{}'),
      }),
    );
  }, 120_000);

  it('counts exactly the files delivered in the window, then only the rest without one', async () => {
    // Act
    const windowed = await runCli(
      [
        'analyze',
        '--json',
        '--since',
        '2026-11-24',
        '--until',
        '2026-11-25T23:59Z',
        ...store,
        `s3://${bucket}/AWSLogs/`,
      ],
      undefined,
      ENV,
    );
    const rest = await runCli(['analyze', '--json', ...store, `s3://${bucket}/AWSLogs/`], undefined, ENV);

    // Assess
    expect(windowed.code, windowed.stderr).toBe(0);
    const first = JSON.parse(windowed.stdout).files as Array<{ file: string; status: string }>;
    expect(first.map((f) => f.file).sort()).toEqual(inWindow.map((f) => `s3://${bucket}/${f.key}`).sort());
    expect(first.every((f) => f.status === 'counted')).toBe(true);

    expect(rest.code, rest.stderr).toBe(0);
    const second = JSON.parse(rest.stdout).files as Array<{ file: string; status: string }>;
    expect(second).toHaveLength(DELIVERIES.length);
    const counted = second.filter((f) => f.status === 'counted').map((f) => f.file);
    const already = second.filter((f) => f.status === 'already-counted').map((f) => f.file);
    expect(already.sort()).toEqual(first.map((f) => f.file).sort());
    expect(counted).toHaveLength(DELIVERIES.length - inWindow.length);
  }, 180_000);

  it('counts a file once whether it is read from S3 or from a local copy, in either order', async () => {
    // Prepare: one delivery file, copied to disk under its own name.
    const file = DELIVERIES[0] as (typeof DELIVERIES)[number];
    const folder = mkdtempSync(path.join(tmpdir(), 'cleartrail-copy-'));
    const local = path.join(folder, path.basename(file.key));
    writeFileSync(local, gzipSync(syntheticLogJson({ records: 30, seed: file.seed })));
    const s3First = ['--data-dir', mkdtempSync(path.join(tmpdir(), 'cleartrail-s3-first-'))];
    const localFirst = ['--data-dir', mkdtempSync(path.join(tmpdir(), 'cleartrail-local-first-'))];
    const onS3 = `s3://${bucket}/${path.dirname(file.key)}/`;
    const statuses = async (args: string[]) =>
      (
        JSON.parse((await runCli(['analyze', '--json', ...args], undefined, ENV)).stdout).files as Array<{
          status: string;
        }>
      ).map((f) => f.status);

    // Act / Assess
    expect(await statuses([...s3First, onS3])).toEqual(['counted', 'counted', 'counted']);
    expect(await statuses([...s3First, local])).toEqual(['already-counted']);
    expect(await statuses([...localFirst, local])).toEqual(['counted']);
    expect(await statuses([...localFirst, onS3])).toEqual(['already-counted', 'counted', 'counted']);
  }, 180_000);

  it('writes the Batch Operations manifest of the same files', async () => {
    // Act
    const manifest = await runCli(
      ['backfill-manifest', '--since', '2026-11-24', '--until', '2026-11-25T23:59Z', `s3://${bucket}/AWSLogs/`],
      undefined,
      ENV,
    );

    // Assess
    expect(manifest.code, manifest.stderr).toBe(0);
    expect(manifest.stdout.trim().split('\n').sort()).toEqual(
      inWindow.map((file) => `${bucket},${manifestKey(file.key)}`).sort(),
    );
    expect(manifest.stderr).toMatch(/18 log files delivered from 2026-11-24T00 to 2026-11-25T23/);
  }, 60_000);

  it('refuses a manifest without a closed window, before listing anything', async () => {
    const result = await runCli(['backfill-manifest', '--since', '2026-11-24', `s3://${bucket}/`], undefined, ENV);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs --since and --until/);
  });
});

describe('Function: manifestKey', () => {
  it('URL-encodes a key and keeps its folder slashes', () => {
    expect(manifestKey('audit logs/AWSLogs/a+b.json.gz')).toBe('audit%20logs/AWSLogs/a%2Bb.json.gz');
  });
});
