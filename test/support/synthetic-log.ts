import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { mulberry32 } from './random';

/**
 * Deterministic synthetic CloudTrail delivery files: the same options give the same bytes on
 * every machine, so a bench run, a differential test and a bug report all talk about the same
 * file. Records imitate S3 data events as CloudTrail writes them (field order, IDs, SDK user
 * agents, `resources`, `tlsDetails`), with a mix of the four verdicts and of the source kinds
 * cleartrail tells apart, plus non-S3 events, some of which mention `s3.amazonaws.com`
 * (KMS calls made on behalf of S3) to exercise the reader's pre-filter.
 */

/** What the generator should write. Every field but `records` has a default. */
export interface SyntheticLogOptions {
  /** Number of elements in `Records`. */
  records: number;
  /** PRNG seed; change it to get a different but equally reproducible file. */
  seed?: number;
  /** Share of records that are not S3 events (default 0.1). */
  nonS3Share?: number;
  /**
   * Distinct clients (source address, identity, user agent, HTTP or HTTPS) the S3 requests come
   * from (default 500), a few of them busy and most occasional, as in a real account: what
   * cleartrail keeps per file grows with clients, not with requests.
   */
  clients?: number;
  /** Indentation (e.g. `'  '` or `'\t'`); empty writes compact JSON as CloudTrail does. */
  indent?: string;
  /** Line break used with `indent` (default `'\n'`). */
  newline?: string;
  /**
   * Escape all non-ASCII characters and, in every seventh string, one ASCII character as
   * `\uXXXX` (including `eventSource`, e.g. `s3\u002eamazonaws.com`) and `/` as `\/`.
   */
  escapeUnicode?: boolean;
  /** Shuffle the keys of every object, so that `eventSource` is not where CloudTrail puts it. */
  shuffleKeys?: boolean;
  /** Surround `Records` with other top-level keys holding nested values. */
  extraTopLevelKeys?: boolean;
}

/** What was written. */
export interface SyntheticLogStats {
  records: number;
  s3Records: number;
  /** Bytes of JSON (before gzip). */
  jsonBytes: number;
  /** Bytes on disk (after gzip when gzip was asked for). */
  fileBytes: number;
}

/** Verdict the generator meant a record to get; lets tests check counts without re-deriving them. */
export type IntendedVerdict = 'https' | 'http' | 'service' | 'unknown';

/**
 * Builds the whole log as one Buffer; for small files (tests). Large files go through
 * {@link writeSyntheticLog}, which never holds more than one record in memory.
 *
 * @example
 * const json = syntheticLogJson({ records: 100, seed: 7 });
 */
export function syntheticLogJson(options: SyntheticLogOptions): Buffer {
  const parts: string[] = [];
  for (const part of syntheticLogParts(options)) parts.push(part);
  return Buffer.from(parts.join(''), 'utf8');
}

/**
 * Streams a synthetic log to `path`, gzip-compressed when `gzip` is set (level 6, as CloudTrail's
 * files are about 10x smaller than their JSON).
 */
export async function writeSyntheticLog(
  path: string,
  options: SyntheticLogOptions,
  gzip: boolean,
): Promise<SyntheticLogStats> {
  const file = createWriteStream(path);
  const gz = gzip ? createGzip({ level: 6 }) : undefined;
  if (gz) gz.pipe(file);
  const sink: Writable = gz ?? file;
  let jsonBytes = 0;
  let batch: string[] = [];
  let batchLength = 0;
  const flush = async (): Promise<void> => {
    const data = Buffer.from(batch.join(''), 'utf8');
    jsonBytes += data.length;
    batch = [];
    batchLength = 0;
    if (!sink.write(data)) await once(sink, 'drain');
  };
  const stats = { records: 0, s3Records: 0 };
  for (const part of syntheticLogParts(options, stats)) {
    batch.push(part);
    batchLength += part.length;
    // 1 MiB writes: small enough to keep memory flat, large enough that stream overhead is nil.
    if (batchLength >= 1 << 20) await flush();
  }
  await flush();
  const closed = once(file, 'close');
  sink.end();
  await closed;
  const { size } = await import('node:fs/promises').then((fs) => fs.stat(path));
  return { ...stats, jsonBytes, fileBytes: size };
}

/** The records alone, as objects, with the verdict each was built to get. */
export function* syntheticRecords(
  options: Pick<SyntheticLogOptions, 'records' | 'seed' | 'nonS3Share' | 'clients'>,
): Generator<{ record: CloudTrailRecord; intended: IntendedVerdict | 'non-s3' }> {
  const rng = mulberry32(options.seed ?? 1);
  const nonS3Share = options.nonS3Share ?? 0.1;
  const clients = Array.from({ length: options.clients ?? 500 }, () => syntheticClient(rng));
  for (let i = 0; i < options.records; i++) {
    if (rng() < nonS3Share) yield { record: nonS3Record(rng, i), intended: 'non-s3' };
    else {
      // Skewed: the first clients send most requests.
      const client = clients[Math.floor(clients.length * rng() ** 2)] as Client;
      yield { record: s3Record(rng, i, client), intended: client.intended };
    }
  }
}

interface Client {
  intended: IntendedVerdict;
  account: string;
  identity: Record<string, unknown>;
  ip: string;
  vpce?: string;
  userAgent: string;
}

function syntheticClient(rng: () => number): Client {
  const intended = pickVerdict(rng);
  const account = pick(rng, ACCOUNTS);
  const source = sourceAddress(rng, intended);
  return {
    intended,
    account,
    identity: identity(rng, account, intended),
    ip: source.ip,
    vpce: source.vpce,
    userAgent: intended === 'service' ? source.ip : pick(rng, USER_AGENTS),
  };
}

function* syntheticLogParts(
  options: SyntheticLogOptions,
  stats: { records: number; s3Records: number } = { records: 0, s3Records: 0 },
): Generator<string> {
  const style = {
    indent: options.indent ?? '',
    newline: options.indent ? (options.newline ?? '\n') : '',
    escape: options.escapeUnicode === true,
    stringCount: 0,
  };
  const shuffleRng = mulberry32((options.seed ?? 1) ^ 0x5eed);
  const nl = style.newline;
  const ind = style.indent;
  const sep = ind ? ': ' : ':';
  if (options.extraTopLevelKeys) {
    yield `{${nl}${ind}"Digest"${sep}${serialize(EXTRA_TOP_LEVEL, style, 1)},${nl}${ind}"Records"${sep}[`;
  } else {
    yield `{${nl}${ind}"Records"${sep}[`;
  }
  let first = true;
  for (const { record, intended } of syntheticRecords(options)) {
    stats.records++;
    if (intended !== 'non-s3') stats.s3Records++;
    const value = options.shuffleKeys ? shuffleKeys(record, shuffleRng) : record;
    yield `${first ? '' : ','}${nl}${ind}${ind}${serialize(value, style, 2)}`;
    first = false;
  }
  const tail = options.extraTopLevelKeys
    ? `,${nl}${ind}"Trailer"${sep}${serialize({ n: [1, 2, [3, { x: '}]' }]], s: 'Records' }, style, 1)}`
    : '';
  yield `${first ? '' : nl + ind}]${tail}${nl}}${nl}`;
}

/** Nested values, brackets inside strings and a decoy `Records` key, all of which the reader must skip. */
const EXTRA_TOP_LEVEL = {
  version: 2,
  nested: { Records: 'not this one', list: [[], {}, [{ a: '[{"' }], -1.5e3, true, null] },
  quote: 'a "quoted" \\ backslash ] } [ {',
};

type Style = { indent: string; newline: string; escape: boolean; stringCount: number };

/** `JSON.stringify` with CloudTrail's layout choices and optional `\u` escapes. */
function serialize(value: unknown, style: Style, depth: number): string {
  if (typeof value === 'string') return serializeString(value, style);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const { indent, newline } = style;
  const inner = newline + indent.repeat(depth + 1);
  const outer = newline + indent.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${value.map((v) => inner + serialize(v, style, depth + 1)).join(',')}${outer}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const sep = indent ? ': ' : ':';
  const body = entries.map(([k, v]) => `${inner}${serializeString(k, style)}${sep}${serialize(v, style, depth + 1)}`);
  return `{${body.join(',')}${outer}}`;
}

function serializeString(value: string, style: Style): string {
  let json = JSON.stringify(value);
  if (!style.escape) return json;
  json = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  json = json.replace(/\//g, '\\/');
  // Every seventh string gets one ASCII letter or dot escaped, so `\u` also shows up where
  // the pre-filter looks (`"s3\u002eamazonaws.com"`, `"event\u0053ource"`).
  if (style.stringCount++ % 7 === 0) {
    const at = plainCharToEscape(json);
    if (at > 0)
      json = `${json.slice(0, at)}\\u${json.charCodeAt(at).toString(16).padStart(4, '0')}${json.slice(at + 1)}`;
  }
  return json;
}

/** Index of the first `.` (else the first letter) of a JSON string literal that is not part of an escape. */
function plainCharToEscape(json: string): number {
  let letter = -1;
  for (let i = 1; i < json.length - 1; i++) {
    const c = json[i] as string;
    if (c === '\\') {
      i += json[i + 1] === 'u' ? 5 : 1;
    } else if (c === '.') {
      return i;
    } else if (letter < 0 && /[a-zA-Z]/.test(c)) {
      letter = i;
    }
  }
  return letter;
}

function shuffleKeys(value: unknown, rng: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rng));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = entries[i] as [string, unknown];
    entries[i] = entries[j] as [string, unknown];
    entries[j] = t;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, rng)]));
}

// ---------------------------------------------------------------------------------------------
// Record builders. Shares are what a busy data-event trail looks like: mostly HTTPS SDK traffic
// from EC2 and VPC endpoints, a tail of plain HTTP, AWS services acting for the account, and old
// eventVersion 1.04/1.05 records that carry no TLS evidence at all.

const VERDICT_SHARES: ReadonlyArray<[IntendedVerdict, number]> = [
  ['https', 0.72],
  ['http', 0.12],
  ['service', 0.1],
  ['unknown', 0.06],
];

function pickVerdict(rng: () => number): IntendedVerdict {
  let x = rng();
  for (const [verdict, share] of VERDICT_SHARES) {
    if (x < share) return verdict;
    x -= share;
  }
  return 'https';
}

const ACCOUNTS = ['111122223333', '444455556666', '777788889999', '123456789012'];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-northeast-1', 'us-west-2'];
const BUCKETS = [
  'analytics-raw',
  'app-assets-prod',
  'backups-eu',
  'ml-training-data',
  'logs-archive',
  'données-clients',
];
const S3_EVENTS: ReadonlyArray<[string, boolean]> = [
  ['GetObject', true],
  ['GetObject', true],
  ['GetObject', true],
  ['PutObject', false],
  ['HeadObject', true],
  ['ListObjects', true],
  ['DeleteObject', false],
  ['CreateMultipartUpload', false],
];
const USER_AGENTS = [
  '[aws-sdk-java/1.12.561 Linux/5.10.192-183.736.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/25.382-b05 java/1.8.0_382 vendor/Amazon.com_Inc. cfg/retry-mode/standard]',
  '[Boto3/1.28.40 md/Botocore#1.31.40 ua/2.0 os/linux#5.10.192 md/arch#x86_64 lang/python#3.11.5 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.40]',
  '[aws-cli/2.13.25 Python/3.11.5 Linux/6.2.0-1012-aws exe/x86_64.ubuntu.22 prompt/off command/s3.cp]',
  '[aws-sdk-go-v2/1.21.0 os/linux lang/go#1.21.1 md/GOOS#linux md/GOARCH#amd64 api/s3#1.40.0]',
  '[aws-sdk-js/3.427.0 ua/2.0 os/linux#5.10.192 lang/js md/nodejs#18.18.0 api/s3#3.427.0]',
  '[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.184 OpenJDK_64-Bit_Server_VM/25.372-b08 java/1.8.0_372]',
  'curl/8.4.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36 — ünïcödé',
];
const TLS: ReadonlyArray<[string, string]> = [
  ['TLSv1.3', 'TLS_AES_128_GCM_SHA256'],
  ['TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
];
const KEY_WORDS = [
  'data',
  'year=2024',
  'month=05',
  'part',
  'images',
  'exports',
  'tmp',
  'réception',
  '日本語',
  'emoji-😀',
];
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Some records answered with an error, as CloudTrail writes them: refusals and other errors. */
function syntheticError(i: number): Record<string, string> {
  if (i % 11 === 3) return { errorCode: 'AccessDenied', errorMessage: 'Access Denied' };
  if (i % 13 === 5) return { errorCode: 'NoSuchKey', errorMessage: 'The specified key does not exist.' };
  return {};
}

function s3Record(rng: () => number, i: number, client: Client): CloudTrailRecord {
  const { intended, account } = client;
  const region = pick(rng, REGIONS);
  // Non-ASCII bucket names are not legal, but they exercise multi-byte UTF-8 in a hot field.
  const bucket = rng() < 0.02 ? pick(rng, BUCKETS) : pick(rng, BUCKETS.slice(0, 5));
  const [eventName, readOnly] = pick(rng, S3_EVENTS);
  const key = objectKey(rng);
  const host = `${bucket}.s3.${region}.amazonaws.com`;
  const source = { ip: client.ip, vpce: client.vpce };
  const [tlsVersion, cipherSuite] = pick(rng, TLS);
  const version = intended === 'unknown' ? pick(rng, ['1.04', '1.05']) : pick(rng, ['1.08', '1.09', '1.10', '1.11']);
  const httpVersion = intended === 'http' ? pick(rng, ['1.09', '1.10', '1.11']) : version;
  const record: Record<string, unknown> = {
    eventVersion: httpVersion,
    userIdentity: structuredClone(client.identity),
    eventTime: eventTime(i),
    eventSource: 's3.amazonaws.com',
    eventName,
    awsRegion: region,
    sourceIPAddress: source.ip,
    userAgent: client.userAgent,
    // Errors by position, not by a draw: the random sequence (and every figure built on it) stays.
    ...syntheticError(i),
    requestParameters: { bucketName: bucket, Host: host, key },
    responseElements: null,
    additionalEventData:
      intended === 'unknown'
        ? undefined
        : {
            SignatureVersion: 'SigV4',
            CipherSuite: intended === 'https' ? cipherSuite : undefined,
            bytesTransferredIn: readOnly ? 0 : Math.floor(rng() * 5e6),
            AuthenticationMethod: 'AuthHeader',
            'x-amz-id-2': randomString(rng, B64, 76),
            bytesTransferredOut: readOnly ? Math.floor(rng() * 5e7) : 0,
          },
    requestID: randomString(rng, ALNUM, 16),
    eventID: uuid(rng),
    readOnly,
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
      { accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: account,
    vpcEndpointId: source.vpce,
    vpcEndpointAccountId: source.vpce ? account : undefined,
    eventCategory: 'Data',
    tlsDetails: intended === 'https' ? { tlsVersion, cipherSuite, clientProvidedHostHeader: host } : undefined,
  };
  return record as CloudTrailRecord;
}

/**
 * Records are built as CloudTrail writes them, with fields that CloudTrailRecord (what cleartrail
 * reads) leaves out; hence the casts.
 */
function nonS3Record(rng: () => number, i: number): CloudTrailRecord {
  const account = pick(rng, ACCOUNTS);
  const region = pick(rng, REGIONS);
  const kind = Math.floor(rng() * 3);
  const common = {
    eventVersion: '1.08',
    userIdentity: identity(rng, account, 'https'),
    eventTime: eventTime(i),
  };
  if (kind === 0) {
    // SSE-KMS: S3 calls KMS for the caller, and the record names S3 twice without being an S3 event.
    return {
      ...common,
      eventSource: 'kms.amazonaws.com',
      eventName: 'GenerateDataKey',
      awsRegion: region,
      sourceIPAddress: 's3.amazonaws.com',
      userAgent: 's3.amazonaws.com',
      requestParameters: {
        encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::${pick(rng, BUCKETS)}/${objectKey(rng)}` },
        keySpec: 'AES_256',
        keyId: `arn:aws:kms:${region}:${account}:key/${uuid(rng)}`,
      },
      ...managementTail(rng, account),
    } as unknown as CloudTrailRecord;
  }
  return {
    ...common,
    eventSource: kind === 1 ? 'sts.amazonaws.com' : 'ec2.amazonaws.com',
    eventName: kind === 1 ? 'AssumeRole' : 'DescribeInstances',
    awsRegion: region,
    sourceIPAddress: ec2Address(rng),
    userAgent: pick(rng, USER_AGENTS),
    requestParameters:
      kind === 1 ? { roleArn: `arn:aws:iam::${account}:role/app`, roleSessionName: `s-${i}` } : { maxResults: 100 },
    ...managementTail(rng, account),
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${kind === 1 ? 'sts' : 'ec2'}.${region}.amazonaws.com`,
    },
  } as unknown as CloudTrailRecord;
}

/** The fields every management event ends with, in CloudTrail's order. */
function managementTail(rng: () => number, account: string): Record<string, unknown> {
  return {
    responseElements: null,
    requestID: uuid(rng),
    eventID: uuid(rng),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
}

function identity(rng: () => number, account: string, intended: IntendedVerdict): Record<string, unknown> {
  if (intended === 'service' && rng() < 0.5) {
    return {
      type: 'AWSService',
      invokedBy: pick(rng, ['cloudtrail.amazonaws.com', 'logging.s3.amazonaws.com', 'AWS Internal']),
    };
  }
  const role = pick(rng, ['app-role', 'etl-job', 'ci-deploy', 'backup']);
  const principal = `AROA${randomString(rng, ALNUM, 17)}`;
  const value: Record<string, unknown> = {
    type: 'AssumedRole',
    principalId: `${principal}:i-${randomString(rng, '0123456789abcdef', 17)}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role}/i-0${randomString(rng, '0123456789abcdef', 16)}`,
    accountId: account,
    accessKeyId: `ASIA${randomString(rng, ALNUM, 16)}`,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: principal,
        arn: `arn:aws:iam::${account}:role/${role}`,
        accountId: account,
        userName: role,
      },
      attributes: { creationDate: '2024-05-01T09:12:44Z', mfaAuthenticated: 'false' },
      ec2RoleDelivery: rng() < 0.5 ? '2.0' : undefined,
    },
  };
  if (intended === 'service')
    value.invokedBy = pick(rng, ['AWS Internal', 'athena.amazonaws.com', 'glue.amazonaws.com']);
  return value;
}

function sourceAddress(rng: () => number, intended: IntendedVerdict): { ip: string; vpce?: string } {
  if (intended === 'service') return { ip: pick(rng, ['AWS Internal', 'athena.amazonaws.com', 'glue.amazonaws.com']) };
  const x = rng();
  if (x < 0.3) return { ip: publicAddress(rng) };
  if (x < 0.6) return { ip: ec2Address(rng) };
  if (x < 0.9)
    return {
      ip: `10.${int(rng, 256)}.${int(rng, 256)}.${int(rng, 256)}`,
      vpce: `vpce-0${randomString(rng, '0123456789abcdef', 16)}`,
    };
  return rng() < 0.5
    ? { ip: `2600:1f18:${hex(rng)}:${hex(rng)}:${hex(rng)}:${hex(rng)}:${hex(rng)}:${hex(rng)}` }
    : { ip: `2a01:4f8:${hex(rng)}:${hex(rng)}::${hex(rng)}` };
}

function publicAddress(rng: () => number): string {
  const first = pick(rng, [81, 92, 185, 203, 198, 91, 176]);
  return `${first}.${int(rng, 256)}.${int(rng, 256)}.${1 + int(rng, 254)}`;
}

function ec2Address(rng: () => number): string {
  const first = pick(rng, [3, 18, 52, 54, 35]);
  return `${first}.${int(rng, 256)}.${int(rng, 256)}.${1 + int(rng, 254)}`;
}

function objectKey(rng: () => number): string {
  const depth = 1 + int(rng, 4);
  const parts: string[] = [];
  for (let d = 0; d < depth; d++) parts.push(rng() < 0.97 ? pick(rng, KEY_WORDS.slice(0, 7)) : pick(rng, KEY_WORDS));
  return `${parts.join('/')}/${randomString(rng, '0123456789abcdef', 12)}.parquet`;
}

/** Five-minute delivery window, one record every few milliseconds. */
function eventTime(i: number): string {
  return new Date(Date.UTC(2024, 4, 1, 10, 0, 0) + i * 3).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function uuid(rng: () => number): string {
  const h = randomString(rng, '0123456789abcdef', 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function hex(rng: () => number): string {
  return int(rng, 0x10000).toString(16);
}

function randomString(rng: () => number, alphabet: string, length: number): string {
  let s = '';
  for (let k = 0; k < length; k++) s += alphabet[int(rng, alphabet.length)];
  return s;
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[int(rng, items.length)] as T;
}

function int(rng: () => number, n: number): number {
  return Math.floor(rng() * n);
}

/**
 * Delivers `data` as a body of `size`-byte chunks, or of seeded random sizes between 1 and
 * `size.max`, so that tests put chunk boundaries everywhere: inside strings, escapes, UTF-8
 * sequences and the gzip header. Each chunk is a fresh Uint8Array (not a Buffer), as some
 * SDK bodies deliver.
 */
export async function* chunkedBody(
  data: Uint8Array,
  size: number | { max: number; seed: number },
): AsyncGenerator<Uint8Array> {
  let seed = typeof size === 'number' ? 0 : size.seed >>> 0;
  for (let offset = 0; offset < data.length; ) {
    let length: number;
    if (typeof size === 'number') length = size;
    else {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      length = 1 + (seed % size.max);
    }
    yield new Uint8Array(data.subarray(offset, offset + length));
    offset += length;
  }
}
