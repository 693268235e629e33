import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { localEndpoints, testS3Client, uniqueName } from '../support/aws';
import { runCli } from '../support/cli';

/** CloudTrail is not served locally: a port nothing listens on is the API out of reach. */
const UNREACHABLE = 'http://127.0.0.1:9';
const ENV = { ...process.env, CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true', AWS_ENDPOINT_URL_CLOUDTRAIL: UNREACHABLE };
const DELIVERY = (account: string) =>
  `AWSLogs/o-abcdefghij/${account}/CloudTrail/us-east-1/2026/12/04/${account}_CloudTrail_us-east-1_20261204T0005Z_a1b2.json.gz`;

describe('CLI: doctor against s3rver', () => {
  const bucket = uniqueName('doctor-trail');
  const empty = uniqueName('doctor-empty');

  beforeAll(async () => {
    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: empty }));
    for (const account of ['111122223333', '444455556666']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: DELIVERY(account), Body: gzipSync('{"Records":[]}') }));
    }
  }, 60_000);

  it('prints the deploy command that fits an organisation trail bucket, and says the trail could not be read', async () => {
    const result = await runCli(['doctor', '--bucket', bucket], undefined, ENV);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `npx sls deploy --stage prod --param=logBucket=${bucket} --param=region=us-east-1 --param=logPrefix=AWSLogs/o-abcdefghij/ --param=trigger=s3`,
    );
    expect(result.stdout).toMatch(/organisations +o-abcdefghij/);
    expect(result.stdout).toMatch(/accounts +111122223333, 444455556666/);
    expect(result.stdout).toMatch(/warning: cannot read the trails \(.+\)/);
  }, 60_000);

  it('--json gives the facts, the parameters and the command', async () => {
    const result = await runCli(['doctor', '--json', '--bucket', bucket], undefined, ENV);

    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.deployable).toBe(true);
    expect(plan.facts.region).toBe('us-east-1');
    expect(plan.facts.listing.keys).toHaveLength(2);
    expect(plan.facts.trails.unread).toEqual(expect.any(String));
    expect(Object.fromEntries(plan.parameters)).toMatchObject({ logPrefix: 'AWSLogs/o-abcdefghij/', trigger: 's3' });
    expect(plan.command).toContain('--param=trigger=s3');
  }, 60_000);

  it('exits 1 and names the problem for a bucket with nothing under the prefix, and for --trail it cannot read', async () => {
    const nothing = await runCli(['doctor', '--bucket', empty], undefined, ENV);
    const trail = await runCli(['doctor', '--bucket', bucket, '--trail', 'main'], undefined, ENV);
    const missing = await runCli(['doctor', '--bucket', uniqueName('doctor-missing')], undefined, ENV);

    expect(nothing.code).toBe(1);
    expect(nothing.stdout).toMatch(/blocker: no object under the bucket root; fix: /);
    expect(trail.code).toBe(1);
    expect(trail.stdout).toMatch(/blocker: cannot read the trails/);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/blocker: cannot read the bucket's region \(NoSuchBucket/);
  }, 60_000);

  it('an endpoint that answers CloudTrail with an error (as a denial does) degrades the same way', async () => {
    const refusing = { ...ENV, AWS_ENDPOINT_URL_CLOUDTRAIL: process.env.AWS_ENDPOINT_URL_S3 || localEndpoints().s3 };
    const result = await runCli(['doctor', '--json', '--bucket', bucket], undefined, refusing);

    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.facts.trails.unread).toEqual(expect.any(String));
    expect(plan.problems.map((p: { problem: string }) => p.problem)).toContainEqual(
      expect.stringMatching(/^cannot read the trails/),
    );
  }, 60_000);

  it('without --bucket is a usage error', async () => {
    const result = await runCli(['doctor'], undefined, ENV);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('doctor needs --bucket');
  });
});
