import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { testS3Client, uniqueName } from '../support/aws';
import { runCli } from '../support/cli';
import { freshTable } from '../support/counting';
import { contract, EXPECTED_BUCKETS, SAMPLE_LOGS } from '../support/sample-logs';

describe('CLI: cleartrail analyze and report with the embedded store', () => {
  let workDir: string;
  let logsDir: string;

  beforeAll(() => {
    // Prepare: the samples, gzipped and plain, in nested folders, plus files analyze must skip or reject.
    workDir = mkdtempSync(path.join(tmpdir(), 'cleartrail-cli-'));
    logsDir = path.join(workDir, 'logs');
    mkdirSync(path.join(logsDir, 'nested', 'CloudTrail-Digest'), { recursive: true });
    for (const [index, name] of readdirSync(SAMPLE_LOGS)
      .filter((n) => n.endsWith('.json'))
      .entries()) {
      if (index % 2 === 0) copyFileSync(path.join(SAMPLE_LOGS, name), path.join(logsDir, name));
      else
        writeFileSync(path.join(logsDir, 'nested', `${name}.gz`), gzipSync(readFileSync(path.join(SAMPLE_LOGS, name))));
    }
    writeFileSync(path.join(logsDir, 'nested', 'CloudTrail-Digest', 'digest.json.gz'), gzipSync('{"no":"records"}'));
    writeFileSync(
      path.join(logsDir, 'corrupt.json.gz'),
      Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from('garbage garbage')]),
    );
    writeFileSync(path.join(logsDir, 'no-records.json'), '{"Events": []}');
  });

  it('counts every readable file, names each bad file with its problem, exits non-zero, and report agrees', async () => {
    // Act
    const analyze = await runCli(['analyze', '--json', logsDir], workDir);
    const report = await runCli(['report', '--json'], workDir);

    // Assess
    expect(analyze.code).toBe(1);
    expect(analyze.stderr).toMatch(/corrupt\.json\.gz: .*gzip/);
    expect(analyze.stderr).toMatch(/no-records\.json: .*Records/);
    const analyzed = JSON.parse(analyze.stdout);
    expect(contract(analyzed.buckets)).toEqual(EXPECTED_BUCKETS);
    expect(analyzed.files.map((f: { status: string }) => f.status).sort()).toEqual([
      'counted',
      'counted',
      'counted',
      'counted',
      'counted',
      'failed',
      'failed',
    ]);
    expect(report.code).toBe(0);
    expect(contract(JSON.parse(report.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
  }, 120_000);

  it('changes nothing when the same files are analysed again, and lists the failed files', async () => {
    const again = await runCli(['analyze', '--json', logsDir], workDir);
    expect(contract(JSON.parse(again.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
    expect(
      JSON.parse(again.stdout).files.filter((f: { status: string }) => f.status === 'already-counted'),
    ).toHaveLength(5);

    const failures = await runCli(['failures', '--json'], workDir);
    expect(
      JSON.parse(failures.stdout)
        .failures.map((f: { code: string }) => f.code)
        .sort(),
    ).toEqual(['corrupt-gzip', 'no-records']);
  }, 120_000);

  it('counts a failed file once it is fixed, with reprocess --all-failed, and clears its failure', async () => {
    // Prepare: the corrupt file is replaced by a good log of one HTTP request to a new bucket.
    const fixed = {
      Records: [
        {
          eventVersion: '1.10',
          eventSource: 's3.amazonaws.com',
          eventType: 'AwsApiCall',
          eventName: 'GetObject',
          eventTime: '2025-03-10T12:00:00Z',
          eventID: 'fixed-1',
          sourceIPAddress: '198.51.100.200',
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/fixer' },
          requestParameters: { bucketName: 'acme-fixed' },
          additionalEventData: { SignatureVersion: 'SigV4' },
        },
      ],
    };
    writeFileSync(path.join(logsDir, 'corrupt.json.gz'), gzipSync(JSON.stringify(fixed)));

    // Act
    const reprocess = await runCli(['reprocess', '--all-failed'], workDir);
    const failures = await runCli(['failures', '--json'], workDir);
    const report = await runCli(['report', '--json', '--bucket', 'acme-fixed'], workDir);

    // Assess: the file that is still broken keeps failing and keeps its record.
    expect(reprocess.code).toBe(1);
    expect(reprocess.stderr).toMatch(/corrupt\.json\.gz: counted/);
    expect(JSON.parse(failures.stdout).failures.map((f: { code: string }) => f.code)).toEqual(['no-records']);
    expect(contract(JSON.parse(report.stdout).buckets)).toEqual([
      {
        bucket: 'acme-fixed',
        http: 1,
        https: 0,
        service: 0,
        unknown: 0,
        httpSources: { external: 1, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
      },
    ]);
  }, 120_000);

  it('prints a readable table, worst bucket first', async () => {
    const table = await runCli(['report'], workDir);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^bucket\s+http\s+refused\s+https\s+service\s+unknown/);
    expect(lines[1]).toMatch(/^acme-data\s+10\s+0\s+5\s+2\s+1\s+66\.7%/);
  }, 60_000);

  it('refuses bad options with a usage message and exit code 2', async () => {
    const result = await runCli(['report', '--since', 'last tuesday'], workDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--since "last tuesday" is neither an ISO time/);
  }, 60_000);
});

describe('CLI: a reader of stdout that leaves early (cleartrail ... | head)', () => {
  it('drops the rest of the output, finishes the command and exits 0, with no EPIPE error', async () => {
    // Arrange: a pipe for stdout whose reading end this process closes before the CLI writes.
    const workDir = mkdtempSync(path.join(tmpdir(), 'cleartrail-epipe-'));
    const child = spawn(process.execPath, [path.join(__dirname, '../../bin/cleartrail.js'), 'analyze', SAMPLE_LOGS], {
      cwd: workDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    // Act
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const report = await runCli(['report', '--json'], workDir);

    // Assess: the command's work was done although its table had nowhere to go.
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at .*cli\.js/);
    expect(code).toBe(0);
    expect(contract(JSON.parse(report.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
  }, 60_000);
});

describe('CLI: --table against a deployed-style table', () => {
  it('writes to and reads from the named table through the default credential chain and endpoint configuration', async () => {
    // Prepare
    const table = await freshTable();
    const cwd = mkdtempSync(path.join(tmpdir(), 'cleartrail-cli-table-'));

    // Act
    const store = ['--table', table, '--region', 'us-east-1'];
    const analyze = await runCli(
      ['analyze', '--json', '--networks', 'office=203.0.113.0/24', ...store, SAMPLE_LOGS],
      cwd,
    );
    const clients = await runCli(['clients', '--json', '--bucket', 'acme-logs', ...store], cwd);
    const dataClients = await runCli(['clients', '--json', '--bucket', 'acme-data', ...store], cwd);
    const newSinceTen = await runCli(
      ['clients', '--new', '--json', '--bucket', 'acme-data', '--since', '2025-03-10T10:00Z', ...store],
      cwd,
    );
    const newEverywhere = await runCli(['clients', '--new', ...store], cwd);

    // Assess
    expect(analyze.code).toBe(0);
    expect(contract(JSON.parse(analyze.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
    const document = JSON.parse(clients.stdout);
    expect(document.bucket).toBe('acme-logs');
    expect(
      document.clients
        .map((c: { address: string; class: string; count: number }) => [c.address, c.class, c.count])
        .sort(),
    ).toEqual([
      ['10.0.12.34', 'vpc-endpoint', 1],
      ['172.31.5.20', 'private', 1],
    ]);
    // acme-data's HTTP clients as events/README.md describes them: the office (two user agents),
    // an EC2 instance known by its instance-profile session, other EC2 and S3 addresses, IPv6.
    const rows = JSON.parse(dataClients.stdout).clients.map(
      (c: {
        address: string;
        class: string;
        network?: string;
        instanceId?: string;
        awsRange?: string;
        count: number;
      }) => [c.address, c.class, c.network ?? '-', c.instanceId ?? '-', c.awsRange ?? '-', c.count],
    );
    expect(rows).toEqual([
      ['203.0.113.24', 'external', 'office', '-', '-', 2],
      ['54.250.112.45', 'ec2', '-', 'i-0a1b2c3d4e5f60718', 'EC2 / ap-northeast-1', 2],
      ['198.51.100.77', 'external', '-', '-', '-', 1],
      ['203.0.113.24', 'external', 'office', '-', '-', 1],
      ['2a02:8108:1140:7a00::5', 'external', '-', '-', '-', 1],
      ['43.206.54.17', 'ec2', '-', '-', 'EC2 / ap-northeast-1', 1],
      ['52.216.169.10', 'aws', '-', '-', 'S3 / us-east-1', 1],
      ['81.2.69.142', 'external', '-', '-', '-', 1],
    ]);
    expect(
      JSON.parse(analyze.stdout).buckets.find((b: { bucket: string }) => b.bucket === 'acme-data').httpNetworks,
    ).toEqual({ office: 3 });
    // First seen from 10:00 on: the office (alice's two user agents, one identity) was first seen at 09:07.
    expect(newSinceTen.code).toBe(0);
    expect(
      JSON.parse(newSinceTen.stdout).newClients.map(
        (c: { address: string; principal: string; firstSeen: number; operation: string }) => [
          new Date(c.firstSeen * 1000).toISOString(),
          c.address,
          c.principal,
          c.operation,
        ],
      ),
    ).toEqual([
      ['2025-03-10T10:04:40.000Z', '81.2.69.142', 'arn:aws:iam::111122223333:user/legacy-backup', 'GetObject'],
      ['2025-03-10T10:11:03.000Z', '2a02:8108:1140:7a00::5', 'arn:aws:iam::111122223333:user/alice', 'GetObject'],
      ['2025-03-10T10:13:27.000Z', '52.216.169.10', 'arn:aws:iam::111122223333:user/batch-uploader', 'GetObject'],
      ['2025-03-10T11:02:19.000Z', '198.51.100.77', 'arn:aws:iam::444455556666:user/partner-sync', 'GetObject'],
    ]);
    const everywhere = newEverywhere.stdout.trimEnd().split('\n');
    expect(everywhere[0]).toMatch(/^first seen\s+bucket\s+address\s+class\s+network\s+principal/);
    expect(everywhere[1]).toMatch(/^2025-03-10T09:07:41Z\s+acme-data\s+203\.0\.113\.24\s+external\s+office\s/);
    // One row per bucket and identity: 7 on acme-data, 2 on acme-logs, 3 on acme-website.
    expect(everywhere).toHaveLength(1 + 12);
  }, 60_000);
});

describe('CLI: reprocess of an S3 location', () => {
  it('reads s3://bucket/key (a key with spaces) through the default chain and counts it', async () => {
    // Prepare: one HTTP request to acme-s3-reprocess, in a log object under a prefix with a space.
    const bucket = uniqueName('trail');
    const key = 'audit logs/AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/fixed log.json.gz';
    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: gzipSync(JSON.stringify({ Records: [oneHttpRequest('acme-s3-reprocess', 's3-1')] })),
      }),
    );
    const table = await freshTable();
    const store = ['--table', table, '--region', 'us-east-1'];

    // Act
    const reprocess = await runCli(['reprocess', ...store, `s3://${bucket}/${key}`]);
    const report = await runCli(['report', '--json', '--bucket', 'acme-s3-reprocess', ...store]);

    // Assess
    expect(reprocess.stderr).toContain(`s3://${bucket}/${key}: counted`);
    expect(reprocess.code).toBe(0);
    expect(JSON.parse(report.stdout).buckets[0]).toMatchObject({ bucket: 'acme-s3-reprocess', http: 1 });
  }, 60_000);

  it.each([
    ['s3://acme-trail', /S3 URL "s3:\/\/acme-trail" names no object: expected s3:\/\/bucket\/key/],
    ['s3://Not A Bucket/key', /S3 URL "s3:\/\/Not A Bucket\/key" has a bad bucket name/],
  ])('refuses %s as a usage error, before the store opens', async (url, message) => {
    // Act
    const result = await runCli(['reprocess', '--table', 'unused', url]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

/** A CloudTrail record of one plain-HTTP GetObject on `bucket`. */
function oneHttpRequest(bucket: string, eventID: string): Record<string, unknown> {
  return {
    eventVersion: '1.10',
    eventSource: 's3.amazonaws.com',
    eventType: 'AwsApiCall',
    eventName: 'GetObject',
    eventTime: '2025-03-10T12:00:00Z',
    eventID,
    sourceIPAddress: '198.51.100.200',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/fixer' },
    requestParameters: { bucketName: bucket },
    additionalEventData: { SignatureVersion: 'SigV4' },
  };
}
