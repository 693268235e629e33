import { mulberry32, pick } from './random';

/**
 * Generated S3 server access-log lines in the documented layout, seeded: every variant the
 * reader must handle (quoted user agents with spaces and non-ASCII, IPv6, `-` fields, old lines
 * without the TLS fields, lines from before the TLS version, appended unknown fields, `TLSV1.2`
 * in capitals, repeated request ids of multi-object deletes).
 */
export function syntheticAccessLogLines(count: number, seed: number): string[] {
  const random = mulberry32(seed);
  const lines: string[] = [];
  let lastRequestId = 'START0000000000A';
  for (let index = 0; index < count; index++) {
    const second = index % 3600;
    const time = `[10/Mar/2025:${pad(9 + (Math.floor(index / 3600) % 12))}:${pad(Math.floor(second / 60))}:${pad(second % 60)} +0000]`;
    const operation = pick(OPERATIONS, random);
    // A multi-object delete's BATCH lines share the request id of the line before them.
    const requestId = operation.startsWith('BATCH.') ? lastRequestId : requestIdOf(random);
    lastRequestId = requestId;
    const tls = random() < 0.6;
    const cipher = tls ? pick(CIPHERS, random) : '-';
    const tlsVersion = tls ? pick(TLS_VERSIONS, random) : '-';
    const fields = [
      OWNER,
      pick(BUCKETS, random),
      time,
      operation.startsWith('S3.') ? '-' : pick(ADDRESSES, random),
      pick(REQUESTERS, random),
      requestId,
      operation,
      pick(KEYS, random),
      `"GET /${pick(KEYS, random)} HTTP/1.1"`,
      pick(['200', '204', '403', '404', '-'], random),
      pick(['-', 'NoSuchKey', 'AccessDenied'], random),
      String(Math.floor(random() * 1e7)),
      String(Math.floor(random() * 1e7)),
      String(Math.floor(random() * 500)),
      String(Math.floor(random() * 100)),
      pick(['"-"', '"https://example.com/page?q=1"'], random),
      `"${pick(USER_AGENTS, random)}"`,
      pick(['-', '3HL4kqtJvjVBH40Nrjfkd'], random),
      HOST_ID,
      pick(['SigV4', 'SigV2', '-'], random),
      cipher,
      pick(['AuthHeader', 'QueryString', '-'], random),
      'acme.s3.us-east-1.amazonaws.com',
      tlsVersion,
      '-',
      pick(['Yes', '-'], random),
    ];
    const shape = random();
    const kept = shape < 0.05 ? 18 : shape < 0.1 ? 21 : 26;
    const appended = shape > 0.9 ? ['-', `"appended ${index}"`, 'x'] : [];
    lines.push([...fields.slice(0, kept), ...appended].join(' '));
  }
  return lines;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

function requestIdOf(random: () => number): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += HEX[Math.floor(random() * 16)];
  return id;
}

const HEX = '0123456789ABCDEF';
const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const HOST_ID = 'eftixk72aD6Ap51TnqcoF8eFidJG9Z/2mkiDFu8yU9AS1ed4OpIszj7UDNEHGran';
const BUCKETS = ['acme-data', 'acme-media', 'acme-static', 'logs.example.org'];
const OPERATIONS = [
  'REST.GET.OBJECT',
  'REST.GET.OBJECT',
  'REST.GET.OBJECT',
  'REST.PUT.OBJECT',
  'REST.HEAD.OBJECT',
  'WEBSITE.GET.OBJECT',
  'S3.EXPIRE.OBJECT',
  'REST.POST.MULTI_OBJECT_DELETE',
  'BATCH.DELETE.OBJECT',
];
const ADDRESSES = [
  '203.0.113.24',
  '198.51.100.77',
  '54.250.112.45',
  '52.216.169.10',
  '10.0.12.34',
  '2a02:8108:1140:7a00::5',
  '-',
];
const REQUESTERS = [
  '-',
  'arn:aws:iam::111122223333:user/alice',
  'arn:aws:sts::111122223333:assumed-role/app-server/i-0a1b2c3d4e5f60718',
  'AmazonS3',
  '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
];
const KEYS = ['videos/intro.mp4', 'reports/q1.csv', 'caf%C3%A9/menu.pdf', 'a/b/c/d/e/f.txt', '-'];
const USER_AGENTS = [
  'aws-cli/2.24.10 md/awscrt#0.23.8 ua/2.1 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.9 cmd/s3.cp',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36',
  'S3Browser/7.4.5 (https://s3browser.com)',
  'Dateiübertragung/1.0 (Müller GmbH)',
  '-',
];
const CIPHERS = ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-SHA'];
const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3', 'TLSV1.2', 'TLSv1'];
