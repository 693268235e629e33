import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';
import { EXPECTED_ACCESS_LOG_BUCKETS, SAMPLE_ACCESS_LOGS } from '../support/sample-access-logs';
import { contract, SAMPLE_LOGS } from '../support/sample-logs';

/** The contract fields of `report --json`, plus the source each bucket's figures come from. */
function withSource(buckets: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> {
  return buckets.map((bucket) => ({ ...contract([bucket])[0], source: bucket.source }));
}

describe('CLI: cleartrail analyze DIR of S3 server access logs', () => {
  let workDir: string;
  let logsDir: string;

  beforeAll(() => {
    // Prepare: the samples as S3 names them, in both layouts, plus a truncated access-log object
    // and a file that is neither format, which the folder walk must leave alone.
    workDir = mkdtempSync(path.join(tmpdir(), 'cleartrail-access-logs-'));
    logsDir = path.join(workDir, 'access-logs');
    cpSync(SAMPLE_ACCESS_LOGS, logsDir, { recursive: true });
    const good = readFileSync(path.join(SAMPLE_ACCESS_LOGS, '2025-03-10-11-00-44-A7F3C9E15B2D8046'), 'utf8');
    writeFileSync(
      path.join(logsDir, '2025-03-10-12-00-01-0F1E2D3C4B5A6978'),
      good.replace(/\n[^\n]*\n$/, '\n203.0.113'),
    );
    writeFileSync(path.join(logsDir, 'README.md'), '# not a log\n');
  });

  afterAll(async () => {
    await runCli(['store', 'stop'], workDir);
  });

  it('counts every access-log object exactly, names the truncated one, and report --json agrees', async () => {
    // Act
    const analyze = await runCli(['analyze', '--json', logsDir], workDir);
    const report = await runCli(['report', '--json'], workDir);

    // Assess
    expect(analyze.code).toBe(1);
    expect(analyze.stderr).toMatch(/2025-03-10-12-00-01-0F1E2D3C4B5A6978: line 6 ends without a newline/);
    const files = JSON.parse(analyze.stdout).files as Array<{ file: string; status: string }>;
    expect(files.map((f) => f.status).sort()).toEqual(['counted', 'counted', 'counted', 'failed']);
    expect(report.code).toBe(0);
    expect(withSource(JSON.parse(report.stdout).buckets)).toEqual(EXPECTED_ACCESS_LOG_BUCKETS);
  }, 120_000);

  it('counts nothing twice when the folder is analysed again, or an object is named alone under another name', async () => {
    // Prepare: a copy whose name says nothing: recognised by its first line, identified by its bytes.
    const renamed = path.join(workDir, 'downloaded.log');
    copyFileSync(path.join(SAMPLE_ACCESS_LOGS, '2025-03-10-11-00-44-A7F3C9E15B2D8046'), renamed);

    // Act
    const again = await runCli(['analyze', '--json', logsDir], workDir);
    const named = await runCli(
      ['analyze', '--json', path.join(logsDir, '2025-03-10-09-20-31-5C2E8A1F7B9D4E60')],
      workDir,
    );

    // Assess
    const statuses = (JSON.parse(again.stdout).files as Array<{ status: string }>).map((f) => f.status).sort();
    expect(statuses).toEqual(['already-counted', 'already-counted', 'already-counted', 'failed']);
    expect(JSON.parse(named.stdout).files[0].status).toBe('already-counted');
    expect(withSource(JSON.parse(named.stdout).buckets)).toEqual(EXPECTED_ACCESS_LOG_BUCKETS);

    // The renamed copy is a new object to the ledger (its name is not S3's): it is read as an access log.
    const copy = await runCli(['analyze', '--json', renamed], workDir);
    expect(JSON.parse(copy.stdout).files[0]).toMatchObject({ status: 'counted', requests: 6 });
  }, 120_000);

  it('shows both sources of a bucket side by side, CloudTrail first, and --source picks one', async () => {
    // Prepare: a fresh store with the CloudTrail samples and the access-log samples (acme-data is in both).
    const both = mkdtempSync(path.join(tmpdir(), 'cleartrail-both-sources-'));
    mkdirSync(path.join(both, 'logs'));
    try {
      await runCli(['analyze', SAMPLE_LOGS], both);
      await runCli(['analyze', SAMPLE_ACCESS_LOGS], both);

      // Act
      const report = await runCli(['report', '--json', '--bucket', 'acme-data'], both);
      const table = await runCli(['report'], both);
      const forced = await runCli(['report', '--json', '--bucket', 'acme-data', '--source', 'access-log'], both);
      const clients = await runCli(['clients', '--json', '--bucket', 'acme-data', '--source', 'access-log'], both);
      const check = await runCli(
        [
          'enforce-check',
          '--json',
          '--bucket',
          'acme-media',
          '--since',
          '2025-03-10T09:00Z',
          '--until',
          '2025-03-10T11:00Z',
        ],
        both,
      );
      const wrong = await runCli(['report', '--source', 'vpc-flow-logs'], both);

      // Assess
      const [data] = JSON.parse(report.stdout).buckets;
      expect(data).toMatchObject({
        bucket: 'acme-data',
        source: 'cloudtrail',
        http: 10,
        bySource: {
          cloudtrail: { http: 10, https: 5, service: 2, unknown: 1 },
          'access-log': { http: 2, https: 1, service: 0, unknown: 0 },
        },
      });
      expect(table.stdout).toMatch(/^acme-media .* access-log +\S+$/m);
      expect(table.stdout).toMatch(/acme-data: both sources, side by side: http 10 in CloudTrail, 2 in access logs/);
      expect(withSource(JSON.parse(forced.stdout).buckets)).toEqual([EXPECTED_ACCESS_LOG_BUCKETS[0]]);
      expect(JSON.parse(clients.stdout)).toMatchObject({
        source: 'access-log',
        clients: [{ address: '203.0.113.24', count: 2, principal: 'arn:aws:iam::111122223333:user/alice' }],
      });
      expect(JSON.parse(check.stdout)).toMatchObject({
        bucket: 'acme-media',
        source: 'access-log',
        verdict: 'not-ready',
      });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/--source "vpc-flow-logs" is not one of cloudtrail, access-log/);
    } finally {
      await runCli(['store', 'stop'], both);
    }
  }, 180_000);
});
