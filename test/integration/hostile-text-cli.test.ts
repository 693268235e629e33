import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { runCli } from '../support/cli';
import { freshTable } from '../support/counting';
import { HOSTILE_STRINGS, rawCharactersIn } from '../support/hostile-text';
import { httpsS3Record } from '../support/records';

/**
 * A hostile corpus through the real CLI: user agents, principals, VPC endpoint ids, TLS versions,
 * operations, a bucket name, a file name and an error message carrying ESC sequences, OSC titles,
 * C1 CSI, bidi overrides, NUL, CR, DEL, markup and formulas. Whatever each command prints for a
 * person holds none of them raw; `--json` gives every string back exactly.
 */

/** A valid bucket, so that enforce-check and clients can be asked about it. */
const BUCKET = 'acme-hostile';
/** A bucket named by the logs (the Host header of a website bucket is whatever the client sent). */
const HOSTILE_BUCKET = 'evil\x1b[2J\u202ebucket\x9b';

/** The last whole hour, so that enforce-check's default window of 30 days holds the corpus. */
const HOUR = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);

function at(minute: number): string {
  return new Date(HOUR.getTime() + minute * 60_000).toISOString().replace('.000Z', 'Z');
}

/** A plain-HTTP request: an eventVersion that would carry tlsDetails, and none. */
function httpRecord(id: string, minute: number, overrides: Partial<CloudTrailRecord>): CloudTrailRecord {
  const record = httpsS3Record(BUCKET, at(minute), id, {
    additionalEventData: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader' },
    ...overrides,
  });
  delete (record as { tlsDetails?: unknown }).tlsDetails;
  return record;
}

/** One HTTP client per hostile string, every text field of it hostile. */
const HTTP_RECORDS = HOSTILE_STRINGS.map((text, i) =>
  httpRecord(`hostile-http-${i}`, i, {
    sourceIPAddress: `203.0.113.${i + 1}`,
    userAgent: text,
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE:${i}`,
      arn: `arn:aws:sts::111122223333:assumed-role/${text}`,
      accountId: '111122223333',
    },
    ...(i % 3 === 0 ? { vpcEndpointId: `vpce-${text}`, sourceIPAddress: `10.0.0.${i + 1}` } : {}),
  }),
);

/** HTTPS on TLS 1.0 with SigV2: hygiene-only clients for `clients --hygiene` and enforce-check's warnings. */
const HYGIENE_RECORDS = HOSTILE_STRINGS.slice(0, 6).map((text, i) =>
  httpsS3Record(BUCKET, at(30 + i), `hostile-tls-${i}`, {
    sourceIPAddress: `198.51.100.${i + 1}`,
    userAgent: `legacy ${text}`,
    additionalEventData: { SignatureVersion: 'SigV2', AuthenticationMethod: 'AuthHeader' },
    tlsDetails: { tlsVersion: 'TLSv1', cipherSuite: 'ECDHE-RSA-AES128-SHA' },
  }),
);

const HOSTILE_BUCKET_RECORD = httpRecord('hostile-bucket', 40, {
  requestParameters: { bucketName: HOSTILE_BUCKET } as object,
  userAgent: 'ua0\x1b[2J\x1b[31mRED\x1b[0m',
});

/** An access-log line of a plain-HTTP request whose requester and user agent are hostile. */
function accessLogLine(userAgent: string, requester: string): string {
  const time = HOUR.toISOString();
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const stamp = `[${time.slice(8, 10)}/${months[HOUR.getUTCMonth()]}/${time.slice(0, 4)}:${time.slice(11, 19)} +0000]`;
  return [
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    'acme-access',
    stamp,
    '192.0.2.10',
    requester,
    'A1B2C3D4E5F60718',
    'REST.GET.OBJECT',
    'data.csv',
    '"GET /data.csv HTTP/1.1"',
    '200',
    '-',
    '10',
    '10',
    '5',
    '4',
    '"-"',
    `"${userAgent}"`,
    '-',
    'eftixk72aD6Ap51TnqcoF8eFidJG9Z/2mkiDFu8yU9AS1ed4OpIszj7UDNEHGran',
    'SigV4',
    '-',
    'AuthHeader',
    'acme-access.s3.us-east-1.amazonaws.com',
    '-',
    '-',
    '-',
  ].join(' ');
}

describe('CLI: hostile text from the logs never reaches the terminal raw', () => {
  let cwd: string;
  let store: string[];
  let analyzeText: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    // Prepare: the corpus in a folder, with a file whose name and content quote hostile text.
    cwd = mkdtempSync(path.join(tmpdir(), 'cleartrail-hostile-'));
    const logs = path.join(cwd, 'logs');
    mkdirSync(logs);
    const records = [...HTTP_RECORDS, ...HYGIENE_RECORDS, HOSTILE_BUCKET_RECORD];
    writeFileSync(path.join(logs, 'hostile.json'), JSON.stringify({ Records: records }));
    writeFileSync(
      path.join(logs, 'bad\x1b]0;owned\x07\u202ename.json'),
      JSON.stringify({
        Records: [httpRecord('bad-time', 0, { eventTime: 'yesterday\x9b\u202e\x1b[2J\x7f' })],
      }),
    );
    const day = HOUR.toISOString().slice(0, 10);
    writeFileSync(
      path.join(logs, `${day}-${HOUR.toISOString().slice(11, 13)}-00-00-ABCDEF0123456789`),
      `${accessLogLine('curl/8\x1b[2J\u202e\x9b', 'arn:aws:iam::111122223333:user/\x1b]0;t\x07x')}\n`,
    );
    store = ['--table', await freshTable(), '--region', 'us-east-1'];

    // Act
    analyzeText = await runCli(['analyze', ...store, logs], cwd);
  }, 120_000);

  /** Asserts that a person sees no raw character of the rule on either stream. */
  function expectNothingRaw(result: { stdout: string; stderr: string }, rowEnd = '\n'): void {
    expect(rawCharactersIn(result.stdout.replaceAll(rowEnd, '\n'), '\n'), result.stdout).toEqual([]);
    expect(rawCharactersIn(result.stderr, '\n'), result.stderr).toEqual([]);
  }

  it('analyze: the table, the findings and the error quoting the bad file carry escapes, not controls', () => {
    // Assess
    expect(analyzeText.code).toBe(1);
    expectNothingRaw(analyzeText);
    // The file name and the quoted eventTime, shown by the rule on stderr.
    expect(analyzeText.stderr).toContain('bad\\x1b]0;owned\\x07\\u202ename.json');
    // Quoted by the rule where the reader names the bad field, and cut: safe in the failures list too.
    expect(analyzeText.stderr).toContain('eventTime "yesterday\\x9b\\u202e\\x1b[2J\\x7f" is not an ISO 8601 UTC time');
    expect(analyzeText.stdout).toContain('evil\\x1b[2J\\u202ebucket\\x9b');
    expect(analyzeText.stdout).toMatch(/^acme-hostile\s+\d+/m);
  });

  it('report: the table, --csv and the --html page carry no raw control, bidi character or markup from the logs', async () => {
    // Act
    const text = await runCli(['report', ...store], cwd);
    const csv = await runCli(['report', '--csv', ...store], cwd);
    const html = path.join(cwd, 'report.html');
    const page = await runCli(['report', '--html', html, ...store], cwd);

    // Assess
    for (const result of [text, csv, page]) {
      expect(result.code).toBe(0);
      // CSV rows end with CRLF (RFC 4180); no value carries one.
      expectNothingRaw(result, result === csv ? '\r\n' : '\n');
    }
    expect(text.stdout).toContain('evil\\x1b[2J\\u202ebucket\\x9b');
    expect(csv.stdout.split('\r\n').some((line) => line.startsWith('evil\\x1b[2J\\u202ebucket\\x9b,'))).toBe(true);
    const document = readFileSync(html, 'utf8');
    expect(rawCharactersIn(document, '\n')).toEqual([]);
    expect(document).not.toContain('<script>alert(1)</script>');
    expect(document).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(document).toContain('ua0\\x1b[2J\\x1b[31mRED\\x1b[0m');
  }, 120_000);

  it('clients and clients --hygiene: every user agent, principal and VPC endpoint shown by the rule', async () => {
    // Act
    const http = await runCli(['clients', '--bucket', BUCKET, ...store], cwd);
    const hygiene = await runCli(['clients', '--bucket', BUCKET, '--hygiene', ...store], cwd);
    const fresh = await runCli(['clients', '--new', ...store], cwd);
    const access = await runCli(['clients', '--bucket', 'acme-access', ...store], cwd);

    // Assess
    for (const result of [http, hygiene, fresh, access]) {
      expect(result.code).toBe(0);
      expectNothingRaw(result);
    }
    expect(http.stdout).toContain('admin\\u202egpj.exe');
    expect(http.stdout).toContain('vpce-ua0\\x1b[2J\\x1b[31mRED\\x1b[0m');
    expect(http.stdout).toContain('forged \\\\x1b escape');
    expect(hygiene.stdout).toContain('legacy c1\\x9b31mcsi');
    expect(fresh.stdout).toContain('assumed-role/nul\\x00byte');
    expect(access.stdout).toContain('curl/8\\x1b[2J\\u202e\\x9b');
    // One line per client: no CR or LF of a value broke a row.
    expect(http.stdout.trimEnd().split('\n')[0]).toMatch(/^address\s+class/);
  }, 120_000);

  it('enforce-check: the verdict, its client table and the warnings carry no raw control or bidi character', async () => {
    // Act
    const result = await runCli(['enforce-check', '--bucket', BUCKET, ...store], cwd);
    const failures = await runCli(['failures', ...store], cwd);

    // Assess
    expect(result.code).toBe(1);
    expectNothingRaw(result);
    expect(result.stdout).toMatch(/^acme-hostile: NOT READY/);
    expect(result.stdout).toContain('ua0\\x1b[2J\\x1b[31mRED\\x1b[0m');
    expect(result.stdout).toContain('legacy ');
    expectNothingRaw(failures);
    expect(failures.stdout).toContain('bad\\x1b]0;owned\\x07\\u202ename.json');
  }, 120_000);

  it('clients --json gives every user agent, principal and VPC endpoint back exactly', async () => {
    // Act
    const result = await runCli(['clients', '--bucket', BUCKET, '--hygiene', '--json', ...store], cwd);
    const fresh = await runCli(['clients', '--new', '--json', ...store], cwd);

    // Assess
    expect(result.code).toBe(0);
    const clients: Array<{ userAgent?: string; principal: string; vpcEndpointId?: string }> = JSON.parse(
      result.stdout,
    ).clients;
    expect(clients.map((c) => c.userAgent).sort()).toEqual(
      [...HOSTILE_STRINGS, ...HOSTILE_STRINGS.slice(0, 6).map((text) => `legacy ${text}`)].sort(),
    );
    expect(new Set(clients.map((c) => c.principal))).toEqual(
      new Set([
        ...HOSTILE_STRINGS.map((text) => `arn:aws:sts::111122223333:assumed-role/${text}`),
        'arn:aws:iam::111122223333:user/app',
      ]),
    );
    expect(clients.flatMap((c) => (c.vpcEndpointId ? [c.vpcEndpointId] : [])).sort()).toEqual(
      HOSTILE_STRINGS.filter((_, i) => i % 3 === 0)
        .map((text) => `vpce-${text}`)
        .sort(),
    );
    const buckets = JSON.parse(fresh.stdout).newClients.map((c: { bucket: string }) => c.bucket);
    expect(buckets).toContain(HOSTILE_BUCKET);
  }, 120_000);
});
