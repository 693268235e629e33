import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { S3Request } from '../../lib/classify/request';
import { createSourceClassifier } from '../../lib/classify/request-source';
import { classifyAccessLogVerdict } from '../../lib/classify/verdict';
import { MalformedLogError } from '../../lib/core/errors';
import { LogFold } from '../../lib/count/fold';
import { formatForContent, formatForName } from '../../lib/formats';
import {
  AccessLogRequests,
  accessLogFormat,
  accessLogId,
  LogTimeParser,
  looksLikeAccessLog,
  readAccessLogBatches,
  tokenizeLine,
} from '../../lib/formats/access-log';
import { cloudTrailFormat } from '../../lib/formats/cloudtrail';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { summarizeBucket } from '../../lib/report/bucket-report';
import { mulberry32 } from '../support/random';
import {
  EXPECTED_ACCESS_LOG_BUCKETS,
  EXPECTED_ACCESS_LOG_MEDIA_DETAILS,
  EXPECTED_ACCESS_LOG_OBJECTS,
  SAMPLE_ACCESS_LOGS,
} from '../support/sample-access-logs';
import { contract } from '../support/sample-logs';
import { syntheticAccessLogLines } from '../support/synthetic-access-log';
import { chunkedBody } from '../support/synthetic-log';

const sources = createSourceClassifier(bundledIpRanges(), []);

async function readRequests(
  body: AsyncIterable<Uint8Array>,
  location = 'test-object',
): Promise<{ requests: S3Request[]; summary: Awaited<ReturnType<typeof collect>>['summary'] }> {
  return collect(accessLogFormat.requests(body, location, { sources }));
}

async function collect(generator: ReturnType<typeof accessLogFormat.requests>) {
  const requests: S3Request[] = [];
  for (;;) {
    const step = await generator.next();
    if (step.done) return { requests, summary: step.value };
    requests.push(...step.value);
  }
}

async function* bodyOf(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

describe('Function: classifyAccessLogVerdict', () => {
  const client = { operation: 'REST.GET.OBJECT', remoteIp: '203.0.113.9', requester: '-' };
  it.each([
    [{ ...client, cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', tlsVersion: 'TLSv1.2' }, 'https', 'cipher-suite'],
    [{ ...client, cipherSuite: '-', tlsVersion: 'TLSv1.3' }, 'https', 'tls-version'],
    [{ ...client, cipherSuite: '-', tlsVersion: '-' }, 'http', 'no-tls-on-client-operation'],
    [
      { ...client, operation: 'WEBSITE.GET.OBJECT', cipherSuite: '-', tlsVersion: '-' },
      'http',
      'no-tls-on-client-operation',
    ],
    [{ ...client, operation: 'BATCH.DELETE.OBJECT', cipherSuite: '-' }, 'http', 'no-tls-on-client-operation'],
    [
      { ...client, operation: 'S3.EXPIRE.OBJECT', remoteIp: '-', cipherSuite: '-', tlsVersion: '-' },
      'service',
      'service-operation',
    ],
    [{ ...client, operation: 'S3.TRANSITION.OBJECT' }, 'service', 'service-operation'],
    [{ ...client, requester: 'AmazonS3', cipherSuite: '-', tlsVersion: '-' }, 'service', 'aws-service-requester'],
    [{ ...client, remoteIp: '-', cipherSuite: '-', tlsVersion: '-' }, 'service', 'service-source'],
    [client, 'unknown', 'no-tls-fields'],
    [
      { ...client, operation: 'SOAP.GET.OBJECT', cipherSuite: '-', tlsVersion: '-' },
      'unknown',
      'no-tls-other-operation',
    ],
  ] as const)('judges %j as %s (%s)', (line, verdict, reason) => {
    expect(classifyAccessLogVerdict(line)).toMatchObject({ verdict, reason });
  });
});

describe('Function: accessLogId and format routing', () => {
  it.each([
    ['2025-03-10-09-20-31-5C2E8A1F7B9D4E60', 'access-log/2025-03-10-09-20-31-5C2E8A1F7B9D4E60'],
    ['logs-2025-03-10-09-20-31-5C2E8A1F7B9D4E60', 'access-log/2025-03-10-09-20-31-5C2E8A1F7B9D4E60'],
    ['111122223333_CloudTrail_us-east-1_20250310T0925Z_4vT9qLm2XcR8bN1k.json.gz', undefined],
    ['2025-03-10-09-20-31-5C2E8A1F7B9D4E60.json', undefined],
    ['notes.txt', undefined],
  ])('names %s %s', (name, id) => {
    expect(accessLogId(name)).toBe(id);
    expect(formatForName(name)).toBe(id ? accessLogFormat : cloudTrailFormat);
  });

  it('recognises an access log by its first line, and a CloudTrail file as not one', () => {
    const sample = readFileSync(path.join(SAMPLE_ACCESS_LOGS, '2025-03-10-11-00-44-A7F3C9E15B2D8046'));
    expect(looksLikeAccessLog(sample)).toBe(true);
    expect(formatForContent(sample)).toBe(accessLogFormat);
    expect(formatForContent(Buffer.from('{"Records":[]}'))).toBe(cloudTrailFormat);
    expect(formatForContent(Buffer.from('a b c d e f g h i j k l m n o p q r s'))).toBe(cloudTrailFormat);
  });
});

describe('Class: LogTimeParser', () => {
  const parse = (text: string) => new LogTimeParser().parse(text, 0, text.length);
  it.each([
    ['06/Feb/2019:00:00:38 +0000', { time: Date.UTC(2019, 1, 6, 0, 0, 38) / 1000, hour: '2019-02-06T00' }],
    ['06/Feb/2019:00:30:38 -0130', { time: Date.UTC(2019, 1, 6, 2, 0, 38) / 1000, hour: '2019-02-06T02' }],
    ['31/Dec/2024:23:59:59 +0100', { time: Date.UTC(2024, 11, 31, 22, 59, 59) / 1000, hour: '2024-12-31T22' }],
  ])('reads %s', (text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it.each([
    '30/Feb/2019:00:00:38 +0000',
    '06/Fev/2019:00:00:38 +0000',
    '06/Feb/2019:24:00:38 +0000',
    '06/Feb/2019:00:60:38 +0000',
    '06/Feb/2019:00:00:38 0000',
    '2019-02-06T00:00:38Z',
  ])('refuses %s', (text) => {
    expect(parse(text)).toBeUndefined();
  });
});

describe('Format: access-log, the hand-made samples (events/access-logs/README.md)', () => {
  it.each(EXPECTED_ACCESS_LOG_OBJECTS)('reads $path', async ({ path: name, summary, requests }) => {
    // Act
    const read = await readRequests(bodyOf(readFileSync(path.join(SAMPLE_ACCESS_LOGS, name), 'utf8')));

    // Assess
    expect(read.summary).toMatchObject(summary);
    expect(read.requests).toHaveLength(requests);
  });

  it('gives the hand-derived figures of every bucket', async () => {
    // Prepare
    const fold = new LogFold(sources.rangesSyncToken, 'access-log');
    for (const { path: name } of EXPECTED_ACCESS_LOG_OBJECTS) {
      const read = await readRequests(bodyOf(readFileSync(path.join(SAMPLE_ACCESS_LOGS, name), 'utf8')));
      for (const request of read.requests) fold.add(request);
    }

    // Act
    const tallies = fold.finish({ s3Records: 0, duplicates: 0, notApiCalls: 0, ownRequests: 0 }).tallies;
    const reports = EXPECTED_ACCESS_LOG_BUCKETS.map(({ bucket }) =>
      summarizeBucket(
        bucket,
        tallies.filter((t) => t.kind === 'hour' && t.bucket === bucket) as never,
        tallies.filter((t) => t.kind === 'client' && t.bucket === bucket) as never,
      ),
    );

    // Assess
    expect(tallies.every((tally) => tally.source === 'access-log')).toBe(true);
    expect(reports.map((report) => ({ ...contract([report])[0], source: report.source }))).toEqual(
      EXPECTED_ACCESS_LOG_BUCKETS,
    );
    expect(reports[1]).toMatchObject(EXPECTED_ACCESS_LOG_MEDIA_DETAILS);
    expect(reports[2]?.website).toEqual({ requests: 3, http: 3 });
  });

  it('keeps the requester, user agent, operation and TLS version of each request for clients and hygiene', async () => {
    // Act
    const { requests } = await readRequests(
      bodyOf(readFileSync(path.join(SAMPLE_ACCESS_LOGS, '2025-03-10-09-20-31-5C2E8A1F7B9D4E60'), 'utf8')),
    );

    // Assess
    const presigned = requests.find((r) => r.authenticationMethod === 'QueryString');
    expect(presigned).toMatchObject({
      verdict: 'http',
      principal: 'arn:aws:iam::111122223333:user/alice',
      operation: 'REST.GET.OBJECT',
      userAgent: expect.stringMatching(/^Mozilla\/5\.0 \(Windows NT 10\.0; Win64; x64\)/),
    });
    const ec2 = requests.find((r) => r.source.class === 'ec2');
    expect(ec2?.source.instanceId).toBe('i-0a1b2c3d4e5f60718');
    expect(requests.find((r) => r.signatureVersion === 'SigV2')).toMatchObject({
      tlsVersion: 'TLSv1',
      verdict: 'https',
    });
    expect(requests.find((r) => r.source.address === '2a02:8108:1140:7a00::5')?.source.class).toBe('external');
    expect(requests.find((r) => r.source.address === '10.0.12.34')?.source.class).toBe('private');
    expect(requests.find((r) => r.principal === 'anonymous')?.verdict).toBe('http');
  });
});

/**
 * The obvious tokeniser: one regular expression over the whole line. It has no special case for a
 * quote inside a quoted field, which the generated lines never hold.
 */
function referenceFields(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|\[([^\]]*)\]|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

function referenceRequest(line: string): Partial<S3Request> {
  const f = referenceFields(line);
  const tlsVersion = f[23]?.replace(/^TLSV/, 'TLSv');
  const verdict = classifyAccessLogVerdict({
    operation: f[6] as string,
    remoteIp: f[3] as string,
    requester: f[4] as string,
    cipherSuite: f[20],
    tlsVersion,
  });
  const time = Date.parse(
    (f[2] as string).replace(/^(\d\d)\/(\w\w\w)\/(\d{4}):(\d\d:\d\d:\d\d) \+0000$/, '$2 $1 $3 $4 UTC'),
  );
  return {
    verdict: verdict.verdict,
    reason: verdict.reason,
    tlsVersion: verdict.tlsVersion,
    bucket: f[1],
    time: time / 1000,
    hour: new Date(time).toISOString().slice(0, 13),
    operation: f[6],
    principal: f[4] === '-' ? 'anonymous' : f[4],
    userAgent: f[16] === '-' ? '' : f[16],
    website: (f[6] as string).startsWith('WEBSITE.'),
    signatureVersion: f[19] === '-' ? undefined : f[19],
    authenticationMethod: f[21] === '-' ? undefined : f[21],
    errorCode: f[10] === '-' ? undefined : f[10],
    // What a SecureTransport deny answers: 403 with AccessDenied; any other error is an answer.
    refused: f[9] === '403' && f[10] === 'AccessDenied',
  };
}

function pickFields(request: S3Request): Partial<S3Request> {
  const { verdict, reason, tlsVersion, bucket, time, hour, operation, principal, userAgent, website } = request;
  return {
    verdict,
    reason,
    tlsVersion,
    bucket,
    time,
    hour,
    operation,
    principal,
    userAgent,
    website,
    signatureVersion: request.signatureVersion,
    authenticationMethod: request.authenticationMethod,
    errorCode: request.errorCode,
    refused: request.refused,
  };
}

describe('Function: readAccessLogBatches (differential against a reference tokeniser)', () => {
  const lines = syntheticAccessLogLines(20_000, 21);
  const text = `${lines.join('\n')}\n`;
  // What the reference makes of the same lines, a request id counted once per bucket.
  const seen = new Set<string>();
  const expected: Array<Partial<S3Request>> = [];
  for (const line of lines) {
    const f = referenceFields(line);
    const id = `${f[1]}\n${f[5]}`;
    if (seen.has(id)) continue;
    seen.add(id);
    expected.push(referenceRequest(line));
  }

  it('has generated lines of every shape to compare', () => {
    const refusals = expected.filter((request) => request.refused).length;
    const otherErrors = expected.filter((request) => !request.refused && request.errorCode !== undefined).length;
    expect(refusals).toBeGreaterThan(100);
    expect(otherErrors).toBeGreaterThan(100);
    const counts = new Set(lines.map((line) => referenceFields(line).length));
    expect([...counts].sort()).toEqual([18, 21, 26, 29]);
    expect(new Set(expected.map((r) => r.reason)).size).toBeGreaterThanOrEqual(6);
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length); // some lines are not ASCII
  });

  it.each([
    ['whole', 0],
    ['in chunks of 1 to 97 bytes', 97],
    ['in chunks of 1 to 4 KiB', 4096],
  ])('reads the same requests as the reference, %s', async (_label, max) => {
    // Prepare
    const bytes = Buffer.from(text);
    const body = max === 0 ? bodyOf(text) : chunkedBody(bytes, { max, seed: max });

    // Act
    const { requests, summary } = await readRequests(body);

    // Assess
    expect(requests.map(pickFields)).toEqual(expected);
    expect(summary.records).toBe(lines.length);
    expect(summary.duplicates).toBe(lines.length - expected.length);
  });

  it('tokenizes each generated line into the reference fields', () => {
    const offsets = new Int32Array(128);
    for (const line of lines.slice(0, 2000)) {
      const count = tokenizeLine(line, 0, line.length, offsets);
      const fields = Array.from({ length: count }, (_, i) => line.slice(offsets[i * 2], offsets[i * 2 + 1]));
      expect(fields).toEqual(referenceFields(line));
    }
  });
});

describe('Function: readAccessLogBatches, truncated and garbled lines (fuzz)', () => {
  const lines = syntheticAccessLogLines(200, 33).filter((line) => referenceFields(line).length >= 21);
  const random = mulberry32(44);
  const readText = async (text: string) =>
    readRequests(chunkedBody(Buffer.from(text), { max: 300, seed: 5 }), 's3://logs/x');

  it('refuses an object whose last line lost its end, wherever it was cut', async () => {
    for (let trial = 0; trial < 200; trial++) {
      const line = lines[trial % lines.length] as string;
      const cut = 1 + Math.floor(random() * (line.length - 1));
      const text = `${lines.slice(0, 5).join('\n')}\n${line.slice(0, cut)}`;
      await expect(readText(text)).rejects.toThrow(
        new MalformedLogError(
          's3://logs/x',
          'truncated',
          'line 6 ends without a newline: the object is truncated (S3 ends every line with one)',
        ),
      );
    }
  });

  it('names the line of a line cut before its user agent, and never quotes the line', async () => {
    const failures: string[] = [];
    for (let trial = 0; trial < 300; trial++) {
      const line = lines[trial % lines.length] as string;
      // Up to the end of the referer, the 16th field: the line keeps at most 16 fields.
      const beforeUserAgent = line.indexOf('"', line.indexOf('"', line.indexOf('"GET') + 1) + 1);
      const cut = 1 + Math.floor(random() * (beforeUserAgent - 1));
      const at = 1 + Math.floor(random() * 8);
      const text = `${[...lines.slice(0, at), line.slice(0, cut), ...lines.slice(10, 12)].join('\n')}\n`;
      try {
        await readText(text);
        failures.push(`cut at ${cut} was read`);
      } catch (error) {
        const message = (error as Error).message;
        if (!(error instanceof MalformedLogError) || error.code !== 'bad-line')
          failures.push(`cut at ${cut}: ${message}`);
        else if (!message.startsWith(`s3://logs/x: line ${at + 1} `)) failures.push(`cut at ${cut}: ${message}`);
        else if (/\d+\.\d+\.\d+\.\d+|arn:aws/.test(message)) failures.push(`cut at ${cut} quotes the line: ${message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses lines of garbage, and lines whose time, operation or status is garbled', async () => {
    const line = lines[0] as string;
    const garbled = [
      Array.from({ length: 300 }, () => String.fromCharCode(33 + Math.floor(random() * 90))).join(''),
      line.replace(/\[[^\]]*\]/, '[yesterday at noon]'),
      line.replace(/ (REST|WEBSITE|S3|BATCH)\.[A-Z_.]+ /, ' get-object '),
      line.replace(/" (\d{3}|-) /, '" 2000 '),
      line.replace(/"GET [^"]*"/, '"GET /unclosed'),
      line.replace(/^(\S+) (\S+) \[[^\]]*\] \S+ /, '$1 $2 [10/Mar/2025:09:00:00 +0000] not-an-address '),
    ];
    for (const bad of garbled) {
      await expect(readText(`${line}\n${bad}\n`)).rejects.toMatchObject({
        code: 'bad-line',
        message: expect.stringContaining('line 2 '),
      });
    }
  });

  it('accepts blank lines and CRLF line ends', async () => {
    const { requests } = await readText(`${lines[0]}\r\n\r\n${lines[1]}\n`);
    expect(requests).toHaveLength(2);
  });

  it('reads a request id once per bucket: the same id in two buckets counts in both', async () => {
    const line = lines[0] as string;
    const other = line.replace(/^(\S+) \S+ /, '$1 another-bucket ');
    const requests = new AccessLogRequests('x', sources);
    const read = await collect(
      (async function* () {
        const generator = readAccessLogBatches(bodyOf(`${line}\n${line}\n${other}\n`), 'x', requests);
        for (;;) {
          const step = await generator.next();
          if (step.done) return { ...requests.summary, compressedBytes: 0, decompressedBytes: 0 };
          yield step.value;
        }
      })(),
    );
    expect(read.requests.map((r) => r.bucket)).toEqual([referenceFields(line)[1], 'another-bucket']);
    expect(read.summary.duplicates).toBe(1);
  });
});
