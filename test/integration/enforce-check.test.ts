import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hoursBetween } from '../../lib/core/time-window';
import { countLog } from '../../lib/count/pipeline';
import { testDynamoDbClient } from '../support/aws';
import { runCli } from '../support/cli';
import { bufferSource, countingContext, freshTable } from '../support/counting';
import { httpsS3Record } from '../support/records';

const ROOT = path.join(__dirname, '../..');
const SAMPLE_LOGS = path.join(ROOT, 'events/logs');
const SAMPLE_WINDOW = ['--since', '2025-03-10T09:00Z', '--until', '2025-03-10T11:00Z'];

describe('Command: enforce-check, on DynamoDB Local', () => {
  let table: string;
  const store = () => ['--table', table, '--region', 'us-east-1'];
  /** `cleartrail enforce-check --bucket <bucket> <options>` against the test table. */
  const enforceCheck = (bucket: string, ...options: string[]) =>
    runCli(['enforce-check', '--bucket', bucket, ...options, ...store()]);

  beforeAll(async () => {
    // Prepare: the sample logs, plus a bucket that was read over HTTPS in every hour of a day.
    const client = testDynamoDbClient();
    table = await freshTable(client);
    const context = countingContext(client, table);
    for (const name of readdirSync(SAMPLE_LOGS)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const result = await countLog(context, bufferSource(name, readFileSync(path.join(SAMPLE_LOGS, name))));
      expect(result.status).toBe('counted');
    }
    const records = hoursBetween('2026-11-01T00', '2026-11-01T23').map((hour, i) =>
      httpsS3Record('secure-bucket', `${hour}:17:00Z`, `https-${i}`),
    );
    const result = await countLog(
      context,
      bufferSource('secure-bucket-log', Buffer.from(JSON.stringify({ Records: records }))),
    );
    expect(result.status).toBe('counted');
  });

  it('says acme-data is not ready, with its HTTP clients, and exits 1', async () => {
    // Act
    const { code, stdout } = await enforceCheck('acme-data', ...SAMPLE_WINDOW, '--json');

    // Assess
    expect(code).toBe(1);
    const output = JSON.parse(stdout);
    expect(output.bucket).toBe('acme-data');
    expect(output.verdict).toBe('not-ready');
    expect(output).not.toHaveProperty('policy');
    const codes = output.reasons.map((r: { code: string }) => r.code);
    expect(codes).toEqual(['http-clients', 'unknown-share']);
    const httpClients = output.reasons[0].detail;
    expect(httpClients.requests).toBe(10);
    expect(httpClients.clientCount).toBe(8);
    expect(httpClients.clients.map((c: { address: string }) => c.address)).toEqual(
      expect.arrayContaining(['203.0.113.24', '54.250.112.45', '43.206.54.17', '198.51.100.77', '52.216.169.10']),
    );
    expect(output.reasons[1].detail).toEqual({ unknown: 1, clientRequests: 16, share: 1 / 16, maxShare: 0.01 });
    expect(output.warnings.map((w: { code: string }) => w.code)).toEqual([
      // No trail's selectors were read for acme-data: the verdict says how to read them.
      'coverage-unknown',
      'legacy-tls',
      'sig-v2',
      'presigned-http',
    ]);
    expect(output.evidence).toMatchObject({
      http: 10,
      https: 5,
      service: 2,
      unknown: 1,
      hoursInWindow: 3,
      hoursWithData: 3,
    });
  });

  it('prints a readable verdict with the clients to fix', async () => {
    // Act
    const { code, stdout } = await enforceCheck('acme-data', ...SAMPLE_WINDOW);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toMatch(/^acme-data: NOT READY/);
    expect(stdout).toContain('- http-clients: 10 plain-HTTP requests from 8 clients');
    expect(stdout).toContain('54.250.112.45');
    expect(stdout).toContain('- unknown-share: 1 of 16 client requests (6.3%)');
    expect(stdout).not.toContain('"Statement"');
  });

  it('blames the website endpoint for acme-website', async () => {
    // Act
    const { code, stdout } = await enforceCheck('acme-website', ...SAMPLE_WINDOW, '--json');

    // Assess
    expect(code).toBe(1);
    const output = JSON.parse(stdout);
    expect(output.reasons.find((r: { code: string }) => r.code === 'website-endpoint')?.detail).toEqual({
      requests: 2,
      http: 2,
    });
  });

  it('says a bucket with only HTTPS in every hour is ready, with the policy to paste, and exits 0', async () => {
    // Act
    const { code, stdout } = await enforceCheck(
      'secure-bucket',
      '--since',
      '2026-11-01T00:00Z',
      '--until',
      '2026-11-01T23:00Z',
      '--max-gap-hours',
      '0',
      '--min-tls',
      '1.2',
      '--json',
    );

    // Assess
    expect(code).toBe(0);
    const output = JSON.parse(stdout);
    expect(output.verdict).toBe('ready');
    expect(output.reasons).toEqual([]);
    expect(output.evidence).toMatchObject({ http: 0, https: 24, hoursInWindow: 24, hoursWithData: 24 });
    expect(output.policy.Version).toBe('2012-10-17');
    expect(output.policy.Statement).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: ['arn:aws:s3:::secure-bucket', 'arn:aws:s3:::secure-bucket/*'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'DenyOutdatedTls',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: ['arn:aws:s3:::secure-bucket', 'arn:aws:s3:::secure-bucket/*'],
        Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
      },
    ]);
  });

  it('prints the ready policy as JSON that parses back', async () => {
    // Act
    const { code, stdout } = await enforceCheck(
      'secure-bucket',
      '--since',
      '2026-11-01',
      '--until',
      '2026-11-01T23:00Z',
    );

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^secure-bucket: READY/);
    const policy = JSON.parse(stdout.slice(stdout.indexOf('{')));
    expect(policy.Statement[0].Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });

  it('finds the hours without records when the window is wider than the data', async () => {
    // Act: the day with records and the 25 hours after it; 24 empty hours would still pass.
    const { code, stdout } = await enforceCheck(
      'secure-bucket',
      '--since',
      '2026-11-01',
      '--until',
      '2026-11-03T00:00Z',
      '--json',
    );

    // Assess
    expect(code).toBe(1);
    const output = JSON.parse(stdout);
    expect(output.reasons).toEqual([
      {
        code: 'coverage-gaps',
        detail: {
          maxGapHours: 24,
          hoursInWindow: 49,
          hoursWithoutData: 25,
          gapCount: 1,
          gaps: [{ from: '2026-11-02T00', to: '2026-11-03T00', hours: 25 }],
        },
      },
    ]);
  });

  it('says there is no data in the last 30 days, and where the data is', async () => {
    // Act: the default window ends now; the samples are from March 2025.
    const { code, stdout } = await enforceCheck('acme-logs', '--json');

    // Assess
    expect(code).toBe(1);
    const output = JSON.parse(stdout);
    expect(output.reasons).toEqual([
      { code: 'no-data', detail: { hoursInWindow: 720, lastHourOutsideWindow: '2025-03-10T11' } },
    ]);
  });

  it.each([
    [['--bucket', 'Not A Bucket'], /bucket name "Not A Bucket" is not a valid S3 bucket name/],
    [['--bucket', 'acme-data', '--days', '7', '--since', '2025-03-10'], /choose one of --days and --since/],
    [['--bucket', 'acme-data', '--days', 'week'], /--days "week" is not a whole number/],
    [['--bucket', 'acme-data', '--max-gap-hours=-1'], /--max-gap-hours "-1" is not a whole number/],
    [['--bucket', 'acme-data', '--min-tls', '1.1'], /--min-tls "1.1" is not one of 1.2/],
    [[], /enforce-check needs --bucket/],
  ])('refuses %j with exit code 2', async (args, message) => {
    // Act
    const { code, stderr } = await runCli(['enforce-check', ...args, ...store()]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('Command: clients, TLS hygiene on DynamoDB Local', () => {
  let table: string;

  beforeAll(async () => {
    // Prepare: the sample logs, plus a client that uses only HTTPS, on TLS 1.0.
    const client = testDynamoDbClient();
    table = await freshTable(client);
    const context = countingContext(client, table);
    for (const name of readdirSync(SAMPLE_LOGS)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      await countLog(context, bufferSource(name, readFileSync(path.join(SAMPLE_LOGS, name))));
    }
    const old = httpsS3Record('acme-data', '2025-03-10T10:30:00Z', 'old-tls-1');
    old.sourceIPAddress = '192.0.2.44';
    old.tlsDetails = { tlsVersion: 'TLSv1.1', cipherSuite: 'ECDHE-RSA-AES128-SHA' };
    await countLog(context, bufferSource('old-tls-log', Buffer.from(JSON.stringify({ Records: [old] }))));
  });

  it('shows the findings of each HTTP client, and HTTPS-only clients with findings under --hygiene', async () => {
    // Act
    const plain = await runCli(['clients', '--bucket', 'acme-data', '--table', table, '--region', 'us-east-1']);
    const hygiene = await runCli([
      'clients',
      '--bucket',
      'acme-data',
      '--hygiene',
      '--table',
      table,
      '--region',
      'us-east-1',
    ]);

    // Assess
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('TLS-hygiene findings of these clients:');
    expect(plain.stdout).toMatch(/81\.2\.69\.142 .*: TLS below 1\.2: 1 \(TLSv1 1\); SigV2: 1/);
    expect(plain.stdout).toMatch(/203\.0\.113\.24 .*: presigned URL over HTTP: 1/);
    expect(plain.stdout).not.toContain('192.0.2.44');
    expect(hygiene.stdout).toContain('HTTPS clients with TLS-hygiene findings:');
    expect(hygiene.stdout).toMatch(/192\.0\.2\.44 .*TLSv1\.1 1/);
  });

  it('keeps the JSON shape, with hygiene-only clients added under --hygiene', async () => {
    // Act
    const plain = JSON.parse(
      (await runCli(['clients', '--bucket', 'acme-data', '--json', '--table', table, '--region', 'us-east-1'])).stdout,
    );
    const hygiene = JSON.parse(
      (
        await runCli([
          'clients',
          '--bucket',
          'acme-data',
          '--hygiene',
          '--json',
          '--table',
          table,
          '--region',
          'us-east-1',
        ])
      ).stdout,
    );

    // Assess
    expect(plain.bucket).toBe('acme-data');
    expect(plain.clients.every((c: { count: number }) => c.count > 0)).toBe(true);
    expect(hygiene.clients).toHaveLength(plain.clients.length + 1);
    expect(hygiene.clients.find((c: { address: string }) => c.address === '192.0.2.44')).toMatchObject({
      count: 0,
      https: 1,
      findings: { legacyTls: 1 },
    });
  });
});
