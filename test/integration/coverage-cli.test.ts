import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hoursBetween } from '../../lib/core/time-window';
import { runCli } from '../support/cli';
import { httpsS3Record } from '../support/records';

const BUCKET = 'writes-only';
const WINDOW = ['--since', '2026-11-01T00:00Z', '--until', '2026-11-01T23:00Z'];
const HOURS = hoursBetween('2026-11-01T00', '2026-11-01T23');

/** The trail of the bar: management events and S3 writes only, as many accounts run to save cost. */
const WRITE_ONLY = {
  TrailARN: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main',
  AdvancedEventSelectors: [
    { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
    {
      Name: 'S3 writes',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
        { Field: 'readOnly', Equals: ['false'] },
      ],
    },
  ],
};

/** An access-log line of a GET over HTTPS in the given hour. */
function accessLogLine(hour: string, index: number): string {
  const [day, hh] = hour.split('T') as [string, string];
  const time = `[${day.slice(8, 10)}/Nov/2026:${hh}:30:00 +0000]`;
  return [
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    BUCKET,
    time,
    '203.0.113.50',
    'arn:aws:iam::111122223333:user/reader',
    `REQ${String(index).padStart(13, '0')}`,
    'REST.GET.OBJECT',
    'data.csv',
    '"GET /data.csv HTTP/1.1"',
    '200',
    '-',
    '100',
    '100',
    '10',
    '5',
    '"-"',
    '"aws-sdk-js/3.700.0"',
    '-',
    'hostid',
    'SigV4',
    'TLS_AES_128_GCM_SHA256',
    'AuthHeader',
    `${BUCKET}.s3.us-east-1.amazonaws.com`,
    'TLSv1.3',
    '-',
    '-',
  ].join(' ');
}

describe('CLI: coverage, and enforce-check on a bucket whose reads the trail does not log', () => {
  let workDir: string;
  const cli = (...args: string[]) => runCli(args, workDir);

  beforeAll(async () => {
    // Prepare: HTTPS writes in every hour (steady PutObject records, the trap), and the
    // trail's write-only selectors as `aws cloudtrail get-event-selectors` prints them.
    workDir = mkdtempSync(path.join(tmpdir(), 'cleartrail-coverage-'));
    const records = HOURS.map((hour, i) =>
      httpsS3Record(BUCKET, `${hour}:17:00Z`, `put-${i}`, { eventName: 'PutObject' }),
    );
    writeFileSync(path.join(workDir, 'writes.json'), JSON.stringify({ Records: records }));
    writeFileSync(path.join(workDir, 'write-only.json'), JSON.stringify(WRITE_ONLY));
    const analyze = await cli('analyze', path.join(workDir, 'writes.json'));
    expect(analyze.code).toBe(0);
  }, 120_000);

  it('says coverage is unknown, and how to read it, before any trail was read', async () => {
    // Act
    const check = await cli('enforce-check', '--bucket', BUCKET, ...WINDOW, '--json');
    const report = await cli('report', '--json', ...WINDOW);
    const table = await cli('report', ...WINDOW);

    // Assess
    const output = JSON.parse(check.stdout);
    expect(output.verdict).toBe('ready');
    expect(output.warnings.map((w: { code: string }) => w.code)).toContain('coverage-unknown');
    const text = await cli('enforce-check', '--bucket', BUCKET, ...WINDOW);
    expect(text.stdout).toContain(`cleartrail coverage --bucket ${BUCKET}`);
    expect(JSON.parse(report.stdout).buckets[0].coverage).toMatchObject({ reads: 'unknown', writes: 'unknown' });
    expect(table.stdout).toMatch(/coverage\n.*\?$/m);
  }, 120_000);

  it('reads the selectors from a file, keeps them, and prints the coverage --json shape', async () => {
    // Act
    const coverage = await cli('coverage', '--selectors', path.join(workDir, 'write-only.json'), '--json');

    // Assess
    expect(coverage.code).toBe(0);
    const [bucket] = JSON.parse(coverage.stdout).buckets;
    expect(bucket).toMatchObject({
      bucket: BUCKET,
      reads: 'not-logged',
      writes: 'logged',
      management: 'logged',
      trails: [{ trail: 'main', reads: 'not-logged', writes: 'logged', management: 'logged' }],
      readAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(bucket.why.reads[0]).toContain('selector "S3 writes" leaves them out');
  }, 120_000);

  it('answers "cannot tell: reads are not logged" with the fix, never "ready", and exits 1', async () => {
    // Act
    const json = await cli('enforce-check', '--bucket', BUCKET, ...WINDOW, '--json');
    const text = await cli('enforce-check', '--bucket', BUCKET, ...WINDOW);
    const report = await cli('report', '--json', ...WINDOW);
    const table = await cli('report', ...WINDOW);

    // Assess
    expect(json.code).toBe(1);
    const output = JSON.parse(json.stdout);
    expect(output.verdict).toBe('cannot-tell');
    expect(output).not.toHaveProperty('policy');
    expect(output.reasons).toEqual([
      {
        code: 'not-logged',
        detail: expect.objectContaining({ part: 'reads', state: 'not-logged', accessLogs: 'not read' }),
      },
    ]);
    expect(output.reasons[0].detail.fix.putEventSelectors.command).toContain(
      `"resources.ARN","StartsWith":["arn:aws:s3:::${BUCKET}/"]`,
    );
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`^${BUCKET}: CANNOT TELL: reads are not logged`));
    expect(text.stdout).toContain('aws cloudtrail put-event-selectors --trail-name main');
    expect(text.stdout).toContain('aws s3api put-bucket-logging --bucket writes-only');
    expect(text.stdout).toContain('$0.10 per 100,000');
    expect(JSON.parse(report.stdout).buckets[0].coverage).toMatchObject({ reads: 'not-logged', writes: 'logged' });
    expect(table.stdout).toMatch(/coverage\n.* w$/m);
  }, 120_000);

  it('judges the same bucket from access logs that record its reads', async () => {
    // Prepare: access logs of the bucket, HTTPS reads in every hour.
    const logs = path.join(workDir, 'access-logs');
    mkdirSync(logs, { recursive: true });
    const lines = HOURS.map((hour, i) => accessLogLine(hour, i));
    writeFileSync(path.join(logs, '2026-11-02-00-00-01-0123456789ABCDEF'), `${lines.join('\n')}\n`);
    expect((await cli('analyze', logs)).code).toBe(0);

    // Act
    const check = await cli('enforce-check', '--bucket', BUCKET, ...WINDOW, '--json');

    // Assess
    const output = JSON.parse(check.stdout);
    expect(output.source).toBe('access-log');
    expect(output.verdict).toBe('ready');
    expect(check.code).toBe(0);
  }, 120_000);
});
