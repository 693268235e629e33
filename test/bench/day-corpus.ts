/**
 * A day of CloudTrail deliveries for the "day of delivery" bench: what a trail really leaves in
 * its bucket is not one big file but a small gzipped file about every five minutes per account
 * and region, named and filed as CloudTrail names and files them:
 *
 *   AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<16 chars>.json.gz
 *
 * File sizes follow a daily curve (quiet nights, busy afternoons); records are mostly S3 data
 * events from a fixed pool of clients (HTTPS and plain HTTP, from the internet, EC2, VPC endpoints
 * and private addresses, a few presigned or SigV2), plus AWS services acting on the buckets and
 * management events. Everything comes from one seeded PRNG, so a seed gives the same bytes on
 * every machine. The manifest says what was written, so that the bench and the tests can check
 * every reader against it; it lives beside the corpus directory, not in it, because
 * `cleartrail analyze` would take a `.json` file inside for a log.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { mulberry32, pick } from '../support/random';

const gzipAsync = promisify(gzip);

/** What to generate; every field has a default that imitates the measured day. */
export interface DayCorpusOptions {
  seed?: number;
  /** Consecutive UTC days, each with `filesPerDay` files. */
  days?: number;
  /** First day, `YYYY-MM-DD`. */
  firstDay?: string;
  /** 288 is one file every five minutes, CloudTrail's delivery rhythm. */
  filesPerDay?: number;
  recordsPerDay?: number;
  /** Share of records that are S3 data events; the rest are management events. */
  s3DataShare?: number;
  buckets?: number;
  httpsClients?: number;
  /** Spread evenly over the four source kinds. */
  httpClients?: number;
  account?: string;
  region?: string;
}

/** A source kind as the generator means it; `lib/classify/request-source.ts` must classify it the same way. */
export type ClientSourceKind = 'external' | 'ec2' | 'vpc-endpoint' | 'private';

/** One delivery file as written. */
export interface DayFile {
  /** Path under the corpus directory, `/`-separated. */
  key: string;
  /** The time in the file's name (ISO). */
  deliveredAt: string;
  records: number;
  /** Records whose eventSource is S3 (data and management events). */
  s3Records: number;
  s3DataEvents: number;
  jsonBytes: number;
  fileBytes: number;
}

/** What the generator wrote and what it claims about it. */
export interface DayManifest {
  version: string;
  options: Required<DayCorpusOptions>;
  files: DayFile[];
  totals: {
    records: number;
    s3Records: number;
    s3DataEvents: number;
    /** S3 records with neither tlsDetails nor a cipher suite: what a naive script counts. */
    s3WithoutTls: number;
    jsonBytes: number;
    fileBytes: number;
    /** S3 data events by the verdict they were built to get. */
    requests: { https: number; http: number; service: number };
    presigned: number;
    sigV2: number;
  };
  /**
   * Distinct clients (principal, user agent, address, VPC endpoint) that sent at least one
   * request in the corpus, as `lib/count/fold.ts` tells clients apart; a tiny corpus uses only
   * part of the pool.
   */
  clients: {
    https: number;
    http: number;
    httpBySource: Record<ClientSourceKind, number>;
    pool: { https: number; http: number };
  };
  buckets: string[];
  /** Seconds the generation took on the machine that wrote it. */
  generationSeconds: number;
}

export const DAY_DEFAULTS: Required<DayCorpusOptions> = {
  seed: 20_261_120,
  days: 1,
  firstDay: '2026-11-20',
  filesPerDay: 288,
  recordsPerDay: 580_000,
  s3DataShare: 0.885,
  buckets: 30,
  httpsClients: 400,
  httpClients: 36,
  account: '111122223333',
  region: 'us-east-1',
};

/** CloudTrail's object key of a delivery file; the groups are account, region, date and time, suffix. */
export const CLOUDTRAIL_KEY =
  /^AWSLogs\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/\1_CloudTrail_\2_(\d{8}T\d{4}Z)_([A-Za-z0-9]{16})\.json\.gz$/;

const SOURCE_KINDS: readonly ClientSourceKind[] = ['external', 'ec2', 'vpc-endpoint', 'private'];
const MINUTE_MS = 60_000;

/**
 * The generator's version: a hash of its source, so that a change to it makes a new corpus
 * rather than a bench run on stale files.
 */
export function dayCorpusVersion(): string {
  const hash = createHash('sha256');
  for (const file of ['day-corpus.ts', '../support/random.ts']) hash.update(readFileSync(join(__dirname, file)));
  return hash.digest('hex').slice(0, 10);
}

/** Where `npm run bench` keeps day corpora between runs: outside the repository. */
export const DAY_CACHE_DIR = join(tmpdir(), 'cleartrail-bench');

/**
 * The corpus for `options`, generated into `cacheDir` unless a complete one of the same generator
 * version, seed and shape is there already (its manifest, `<dir>.manifest.json`, is written
 * last, so a run killed half way is regenerated). Corpora of other generator versions are
 * removed: each is about 120 MB a day.
 */
export async function dayCorpus(
  options: DayCorpusOptions = {},
  cacheDir = DAY_CACHE_DIR,
  progress: (line: string) => void = () => undefined,
): Promise<{ dir: string; manifest: DayManifest; reused: boolean }> {
  const full = { ...DAY_DEFAULTS, ...options };
  const version = dayCorpusVersion();
  const shape = createHash('sha256').update(JSON.stringify(full)).digest('hex').slice(0, 8);
  const name = `day-${version}-${full.days}d-${shape}`;
  const dir = join(cacheDir, name);
  mkdirSync(cacheDir, { recursive: true });
  for (const entry of readdirSync(cacheDir)) {
    if (/^day-[0-9a-f]{10}-/.test(entry) && !entry.startsWith(`day-${version}-`))
      rmSync(join(cacheDir, entry), { recursive: true, force: true });
  }
  const manifestPath = `${dir}.manifest.json`;
  if (existsSync(manifestPath)) {
    return { dir, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) as DayManifest, reused: true };
  }
  progress(`generating ${full.days} day(s) of CloudTrail deliveries into ${dir}`);
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const manifest = await writeDayCorpus(partial, full);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 1));
  return { dir, manifest, reused: false };
}

/**
 * Writes the corpus into `dir` (which should be empty) and returns its manifest. JSON is built on the main thread while earlier files are gzipped on
 * the libuv pool, so that the two overlap.
 */
export async function writeDayCorpus(dir: string, options: DayCorpusOptions = {}): Promise<DayManifest> {
  const started = performance.now();
  const full = { ...DAY_DEFAULTS, ...options };
  const rng = mulberry32(full.seed);
  const buckets = bucketNames(full.buckets);
  const pool = clientPool(rng, full, buckets);
  const services = servicePool(full.account);
  const totals: DayManifest['totals'] = {
    records: 0,
    s3Records: 0,
    s3DataEvents: 0,
    s3WithoutTls: 0,
    jsonBytes: 0,
    fileBytes: 0,
    requests: { https: 0, http: 0, service: 0 },
    presigned: 0,
    sigV2: 0,
  };
  const seen = new Set<Client>();
  const files: DayFile[] = [];
  const pending: Promise<void>[] = [];
  const firstDay = Date.parse(`${full.firstDay}T00:00:00Z`);
  if (!Number.isFinite(firstDay)) throw new Error(`firstDay ${JSON.stringify(full.firstDay)} is not YYYY-MM-DD`);
  const intervalMs = (24 * 60 * MINUTE_MS) / full.filesPerDay;

  for (let day = 0; day < full.days; day++) {
    const sizes = dailySizes(rng, full.filesPerDay, full.recordsPerDay);
    for (let slot = 0; slot < full.filesPerDay; slot++) {
      // A file is named after its delivery time and holds what happened in the interval before it.
      const deliveredAt = firstDay + day * 86_400_000 + slot * intervalMs;
      const key = deliveryKey(full.account, full.region, new Date(deliveredAt), randomString(rng, ALNUM62, 16));
      const stats = { records: 0, s3Records: 0, s3DataEvents: 0 };
      const parts: string[] = [];
      for (let i = 0; i < (sizes[slot] as number); i++) {
        const time = eventTime(rng, deliveredAt, intervalMs);
        const record = buildRecord(rng, full, buckets, pool, services, time, totals, seen);
        stats.records++;
        if (record.eventSource === S3_SOURCE) {
          stats.s3Records++;
          if (record.eventCategory === 'Data') stats.s3DataEvents++;
          if (!record.tlsDetails && !(record.additionalEventData as { CipherSuite?: string } | undefined)?.CipherSuite)
            totals.s3WithoutTls++;
        }
        parts.push(JSON.stringify(record));
      }
      const json = Buffer.from(`{"Records":[${parts.join(',')}]}`, 'utf8');
      const file: DayFile = {
        key,
        deliveredAt: new Date(deliveredAt).toISOString(),
        ...stats,
        jsonBytes: json.length,
        fileBytes: 0,
      };
      files.push(file);
      totals.records += stats.records;
      totals.s3Records += stats.s3Records;
      totals.s3DataEvents += stats.s3DataEvents;
      totals.jsonBytes += json.length;
      pending.push(
        (async () => {
          const gz = await gzipAsync(json, { level: 6 });
          const path = join(dir, key);
          mkdirSync(dirname(path), { recursive: true });
          await writeFile(path, gz);
          file.fileBytes = gz.length;
        })(),
      );
      // Two files in flight keep both cores busy without holding the day in memory.
      if (pending.length >= 2) await pending.shift();
    }
  }
  await Promise.all(pending);
  totals.fileBytes = files.reduce((sum, file) => sum + file.fileBytes, 0);

  const httpBySource = Object.fromEntries(SOURCE_KINDS.map((kind) => [kind, 0])) as Record<ClientSourceKind, number>;
  let https = 0;
  for (const client of seen) {
    if (client.verdict === 'https') https++;
    else httpBySource[client.source]++;
  }
  const manifest: DayManifest = {
    version: dayCorpusVersion(),
    options: full,
    files,
    totals,
    clients: {
      https,
      http: seen.size - https,
      httpBySource,
      pool: { https: full.httpsClients, http: full.httpClients },
    },
    buckets,
    generationSeconds: (performance.now() - started) / 1000,
  };
  return manifest;
}

/** `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<suffix>.json.gz` */
export function deliveryKey(account: string, region: string, deliveredAt: Date, suffix: string): string {
  const iso = deliveredAt.toISOString();
  const [yyyy, mm, dd] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${yyyy}${mm}${dd}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  return `AWSLogs/${account}/CloudTrail/${region}/${yyyy}/${mm}/${dd}/${account}_CloudTrail_${region}_${stamp}_${suffix}.json.gz`;
}

/**
 * Records per file over one day: a floor at night and a broad peak mid-afternoon UTC, with
 * +-15% noise per file, summing exactly to `total`.
 */
export function dailySizes(rng: () => number, files: number, total: number): number[] {
  const weights = Array.from({ length: files }, (_, slot) => {
    const hour = ((slot + 0.5) * 24) / files;
    const busy = Math.exp(-(((hour - 15) / 4.5) ** 2));
    return (0.2 + busy) * (0.85 + 0.3 * rng());
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((weight) => Math.floor((total * weight) / sum));
  let rest = total - sizes.reduce((a, b) => a + b, 0);
  for (let slot = 0; rest > 0; slot = (slot + 1) % files, rest--) sizes[slot] = (sizes[slot] as number) + 1;
  return sizes;
}

/** Mostly the interval before delivery; 3% of records arrive late, up to 15 minutes older. */
function eventTime(rng: () => number, deliveredAt: number, intervalMs: number): number {
  const late = rng() < 0.03 ? rng() * 10 * MINUTE_MS : 0;
  return Math.floor(deliveredAt - rng() * intervalMs - late);
}

// ---------------------------------------------------------------------------------------------
// The client pool. A client is what lib/count/fold.ts counts as one: principal, user agent,
// address and VPC endpoint. Request volume is Zipf-like (a few busy clients, a long tail), and
// each client works on a few buckets of its own.

interface Client {
  verdict: 'https' | 'http';
  source: ClientSourceKind;
  ip: string;
  vpce?: string;
  identity: Record<string, unknown>;
  userAgent: string;
  signatureVersion: 'SigV4' | 'SigV2';
  presigned: boolean;
  buckets: string[];
}

interface WeightedPool<T> {
  items: T[];
  cumulative: number[];
}

interface ClientPool {
  https: WeightedPool<Client>;
  http: WeightedPool<Client>;
}

/** The first clients of each pool send most requests (Zipf-like weights). */
const BUSIEST_CLIENTS = 10;
/** Shares of the S3 data events: what a data-event trail looks like, mostly HTTPS SDK traffic. */
const HTTP_SHARE = 0.04;
const SERVICE_SHARE = 0.03;
/** Source kinds of HTTPS clients; HTTP clients are spread evenly. */
const HTTPS_SOURCE_SHARES: ReadonlyArray<[ClientSourceKind, number]> = [
  ['external', 0.25],
  ['ec2', 0.35],
  ['vpc-endpoint', 0.3],
  ['private', 0.1],
];

function clientPool(rng: () => number, options: Required<DayCorpusOptions>, buckets: string[]): ClientPool {
  const build = (count: number, verdict: Client['verdict']): WeightedPool<Client> => {
    const items: Client[] = [];
    for (let i = 0; i < count; i++) {
      const source =
        verdict === 'http'
          ? (SOURCE_KINDS[i % SOURCE_KINDS.length] as ClientSourceKind)
          : weighted(rng, HTTPS_SOURCE_SHARES);
      items.push(newClient(rng, options.account, verdict, source, buckets, i));
    }
    return weightedPool(items, (_, i) => 1 / (i + 1) ** 0.8);
  };
  return { https: build(options.httpsClients, 'https'), http: build(options.httpClients, 'http') };
}

function newClient(
  rng: () => number,
  account: string,
  verdict: Client['verdict'],
  source: ClientSourceKind,
  buckets: string[],
  index: number,
): Client {
  const instance = `i-0${randomString(rng, HEX, 16)}`;
  const role = pick(ROLES, rng);
  const roleId = `AROA${randomString(rng, ALNUM36, 17)}`;
  const onEc2 = source === 'ec2' || source === 'vpc-endpoint' || source === 'private';
  // Instance roles on AWS addresses; IAM users (laptops, on-premises jobs) from the internet.
  const identity: Record<string, unknown> = onEc2
    ? {
        type: 'AssumedRole',
        principalId: `${roleId}:${instance}`,
        arn: `arn:aws:sts::${account}:assumed-role/${role}/${instance}`,
        accountId: account,
        accessKeyId: `ASIA${randomString(rng, ALNUM36, 16)}`,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: roleId,
            arn: `arn:aws:iam::${account}:role/${role}`,
            accountId: account,
            userName: role,
          },
          attributes: { creationDate: '2026-11-19T22:10:04Z', mfaAuthenticated: 'false' },
          ec2RoleDelivery: '2.0',
        },
      }
    : {
        type: 'IAMUser',
        principalId: `AIDA${randomString(rng, ALNUM36, 17)}`,
        arn: `arn:aws:iam::${account}:user/${pick(USERS, rng)}-${index}`,
        accountId: account,
        accessKeyId: `AKIA${randomString(rng, ALNUM36, 16)}`,
        userName: `${pick(USERS, rng)}-${index}`,
      };
  const address = sourceAddress(rng, source);
  const own = 1 + Math.floor(rng() * 4);
  return {
    verdict,
    source,
    ip: address.ip,
    vpce: address.vpce,
    identity,
    userAgent: pick(verdict === 'http' ? HTTP_USER_AGENTS : USER_AGENTS, rng),
    // Old SDKs and presigned URLs belong to the long tail, not to the busiest clients.
    signatureVersion: index >= BUSIEST_CLIENTS && rng() < 0.03 ? 'SigV2' : 'SigV4',
    presigned: index >= BUSIEST_CLIENTS && rng() < (verdict === 'http' ? 0.2 : 0.05),
    buckets: Array.from({ length: own }, () => pick(buckets, rng)),
  };
}

function sourceAddress(rng: () => number, kind: ClientSourceKind): { ip: string; vpce?: string } {
  switch (kind) {
    case 'external':
      // Documentation ranges: outside AWS's ranges and private space, so `external` for sure.
      return { ip: `${pick(['192.0.2', '198.51.100', '203.0.113'], rng)}.${1 + int(rng, 254)}` };
    case 'ec2': {
      // us-east-1 EC2 prefixes from the bundled ip-ranges.json.
      const [a, b, span] = pick(EC2_PREFIXES, rng);
      return { ip: `${a}.${b + int(rng, span)}.${int(rng, 256)}.${1 + int(rng, 254)}` };
    }
    case 'vpc-endpoint':
      return {
        ip: `10.${int(rng, 256)}.${int(rng, 256)}.${1 + int(rng, 254)}`,
        vpce: `vpce-0${randomString(rng, HEX, 16)}`,
      };
    case 'private':
      return { ip: `172.${16 + int(rng, 16)}.${int(rng, 256)}.${1 + int(rng, 254)}` };
  }
}

/** `[first octet, second octet, how many second octets]` of EC2 prefixes in us-east-1. */
const EC2_PREFIXES: ReadonlyArray<[number, number, number]> = [
  [52, 4, 4],
  [18, 232, 4],
  [54, 156, 4],
  [3, 224, 16],
  [34, 192, 16],
];

/** AWS services acting on the buckets: no TLS evidence, and not a client connection either. */
interface ServiceActor {
  identity: Record<string, unknown>;
  source: string;
}

function servicePool(account: string): WeightedPool<ServiceActor> {
  const items: ServiceActor[] = [
    { identity: { type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' }, source: 'cloudtrail.amazonaws.com' },
    { identity: { type: 'AWSService', invokedBy: 'logging.s3.amazonaws.com' }, source: 'logging.s3.amazonaws.com' },
    { identity: { type: 'AWSService', invokedBy: 'AWS Internal' }, source: 'AWS Internal' },
    {
      identity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${account}:assumed-role/athena-query/session`,
        accountId: account,
        invokedBy: 'athena.amazonaws.com',
      },
      source: 'athena.amazonaws.com',
    },
    {
      identity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${account}:assumed-role/glue-etl/session`,
        accountId: account,
        invokedBy: 'glue.amazonaws.com',
      },
      source: 'glue.amazonaws.com',
    },
  ];
  return weightedPool(items, (_, i) => 1 / (i + 1));
}

// ---------------------------------------------------------------------------------------------
// Records, with CloudTrail's field order.

const S3_SOURCE = 's3.amazonaws.com';

type RecordObject = Record<string, unknown> & { eventSource: string; eventCategory: string };

function buildRecord(
  rng: () => number,
  options: Required<DayCorpusOptions>,
  buckets: string[],
  pool: ClientPool,
  services: WeightedPool<ServiceActor>,
  time: number,
  totals: DayManifest['totals'],
  seen: Set<Client>,
): RecordObject {
  if (rng() >= options.s3DataShare) return managementRecord(rng, options, buckets, time);
  const x = rng();
  if (x < SERVICE_SHARE) {
    totals.requests.service++;
    return serviceRecord(rng, options, buckets, sample(rng, services), time);
  }
  const client = sample(rng, x < SERVICE_SHARE + HTTP_SHARE ? pool.http : pool.https);
  seen.add(client);
  totals.requests[client.verdict]++;
  if (client.presigned) totals.presigned++;
  if (client.signatureVersion === 'SigV2') totals.sigV2++;
  return clientRecord(rng, options, client, time);
}

function clientRecord(
  rng: () => number,
  options: Required<DayCorpusOptions>,
  client: Client,
  time: number,
): RecordObject {
  const { account, region } = options;
  const bucket = pick(client.buckets, rng);
  const [eventName, readOnly] = pick(S3_EVENTS, rng);
  const key = objectKey(rng);
  const https = client.verdict === 'https';
  const host = https || rng() < 0.5 ? `${bucket}.s3.${region}.amazonaws.com` : `${bucket}.s3.amazonaws.com`;
  const [tlsVersion, cipherSuite] = pick(TLS, rng);
  return {
    eventVersion: pick(['1.09', '1.10', '1.11'], rng),
    userIdentity: client.identity,
    eventTime: isoSeconds(time),
    eventSource: S3_SOURCE,
    eventName,
    awsRegion: region,
    sourceIPAddress: client.ip,
    userAgent: client.userAgent,
    requestParameters: { bucketName: bucket, Host: host, key },
    responseElements: null,
    additionalEventData: {
      SignatureVersion: client.signatureVersion,
      CipherSuite: https ? cipherSuite : undefined,
      bytesTransferredIn: readOnly ? 0 : int(rng, 5_000_000),
      AuthenticationMethod: client.presigned ? 'QueryString' : 'AuthHeader',
      'x-amz-id-2': randomString(rng, B64, 76),
      bytesTransferredOut: readOnly ? int(rng, 50_000_000) : 0,
    },
    requestID: randomString(rng, ALNUM36, 16),
    eventID: uuid(rng),
    readOnly,
    resources: objectResources(account, bucket, key),
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: account,
    vpcEndpointId: client.vpce,
    vpcEndpointAccountId: client.vpce ? account : undefined,
    eventCategory: 'Data',
    tlsDetails: https ? { tlsVersion, cipherSuite, clientProvidedHostHeader: host } : undefined,
  };
}

/** The `resources` of an object-level S3 data event. */
function objectResources(account: string, bucket: string, key: string): object[] {
  return [
    { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
    { accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
  ];
}

function serviceRecord(
  rng: () => number,
  options: Required<DayCorpusOptions>,
  buckets: string[],
  actor: ServiceActor,
  time: number,
): RecordObject {
  const { account, region } = options;
  const bucket = pick(buckets, rng);
  const key = objectKey(rng);
  const [eventName, readOnly] = pick(S3_EVENTS, rng);
  return {
    eventVersion: '1.09',
    userIdentity: actor.identity,
    eventTime: isoSeconds(time),
    eventSource: S3_SOURCE,
    eventName,
    awsRegion: region,
    sourceIPAddress: actor.source,
    userAgent: actor.source,
    requestParameters: { bucketName: bucket, Host: `${bucket}.s3.${region}.amazonaws.com`, key },
    responseElements: null,
    additionalEventData: { bytesTransferredIn: 0, bytesTransferredOut: readOnly ? int(rng, 1_000_000) : 0 },
    requestID: randomString(rng, ALNUM36, 16),
    eventID: uuid(rng),
    readOnly,
    resources: objectResources(account, bucket, key),
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: account,
    eventCategory: 'Data',
  };
}

/** STS, EC2, KMS-for-S3 and S3 bucket-level management calls, all over TLS. */
function managementRecord(
  rng: () => number,
  options: Required<DayCorpusOptions>,
  buckets: string[],
  time: number,
): RecordObject {
  const { account, region } = options;
  const [eventSource, eventName] = pick(MANAGEMENT_EVENTS, rng);
  const kmsForS3 = eventSource === 'kms.amazonaws.com';
  const service = eventSource.split('.')[0] as string;
  const requestParameters =
    eventSource === S3_SOURCE
      ? {
          bucketName: pick(buckets, rng),
          Host: `s3.${region}.amazonaws.com`,
          [eventName === 'GetBucketAcl' ? 'acl' : 'location']: '',
        }
      : kmsForS3
        ? {
            encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::${pick(buckets, rng)}/${objectKey(rng)}` },
            keySpec: 'AES_256',
          }
        : { maxResults: 100 };
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${account}:assumed-role/${pick(ROLES, rng)}/ops`,
      accountId: account,
      accessKeyId: `ASIA${randomString(rng, ALNUM36, 16)}`,
    },
    eventTime: isoSeconds(time),
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: kmsForS3 ? S3_SOURCE : `${pick(['192.0.2', '198.51.100'], rng)}.${1 + int(rng, 254)}`,
    userAgent: kmsForS3 ? S3_SOURCE : pick(USER_AGENTS, rng),
    requestParameters,
    responseElements: null,
    requestID: uuid(rng),
    eventID: uuid(rng),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    tlsDetails: kmsForS3
      ? undefined
      : {
          tlsVersion: 'TLSv1.3',
          cipherSuite: 'TLS_AES_128_GCM_SHA256',
          clientProvidedHostHeader: `${service}.${region}.amazonaws.com`,
        },
  };
}

const MANAGEMENT_EVENTS: ReadonlyArray<[string, string]> = [
  ['sts.amazonaws.com', 'AssumeRole'],
  ['sts.amazonaws.com', 'AssumeRole'],
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['kms.amazonaws.com', 'GenerateDataKey'],
  ['kms.amazonaws.com', 'Decrypt'],
  ['s3.amazonaws.com', 'GetBucketAcl'],
  ['s3.amazonaws.com', 'GetBucketLocation'],
];
const S3_EVENTS: ReadonlyArray<[string, boolean]> = [
  ['GetObject', true],
  ['GetObject', true],
  ['GetObject', true],
  ['HeadObject', true],
  ['PutObject', false],
  ['ListObjects', true],
  ['DeleteObject', false],
];
const ROLES = ['app-role', 'etl-job', 'ci-deploy', 'backup', 'ingest', 'web-frontend'];
const USERS = ['analyst', 'svc-onprem', 'legacy-sync', 'dev'];
const USER_AGENTS = [
  '[aws-sdk-java/1.12.561 Linux/5.10.192-183.736.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/25.382-b05 java/1.8.0_382 vendor/Amazon.com_Inc. cfg/retry-mode/standard]',
  '[Boto3/1.34.40 md/Botocore#1.34.40 ua/2.0 os/linux#5.10.192 md/arch#x86_64 lang/python#3.11.5 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.40]',
  '[aws-cli/2.15.25 Python/3.11.8 Linux/6.2.0-1012-aws exe/x86_64.ubuntu.22 prompt/off command/s3.cp]',
  '[aws-sdk-go-v2/1.25.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/s3#1.51.0]',
  '[aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.192 lang/js md/nodejs#20.11.1 api/s3#3.540.0]',
];
const HTTP_USER_AGENTS = [
  'curl/7.61.1',
  'Wget/1.21.2',
  '[aws-sdk-java/1.11.100 Linux/4.14.77-70.59.amzn1.x86_64 OpenJDK_64-Bit_Server_VM/25.191-b12 java/1.8.0_191]',
  'Apache-HttpClient/4.5.13 (Java/1.8.0_282)',
  'python-requests/2.25.1',
];
const TLS: ReadonlyArray<[string, string]> = [
  ['TLSv1.3', 'TLS_AES_128_GCM_SHA256'],
  ['TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
];
const KEY_WORDS = ['data', 'year=2026', 'month=11', 'part', 'images', 'exports', 'tmp', 'reports'];
const BUCKET_WORDS = [
  'analytics',
  'assets',
  'backups',
  'ml-data',
  'logs',
  'exports',
  'media',
  'reports',
  'etl',
  'archive',
];
const BUCKET_ENVS = ['prod', 'staging', 'dev'];
const ALNUM62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM36 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function bucketNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const word = BUCKET_WORDS[i % BUCKET_WORDS.length] as string;
    const env = BUCKET_ENVS[Math.floor(i / BUCKET_WORDS.length) % BUCKET_ENVS.length] as string;
    const round = Math.floor(i / (BUCKET_WORDS.length * BUCKET_ENVS.length));
    return `acme-${word}-${env}${round > 0 ? `-${round}` : ''}`;
  });
}

function objectKey(rng: () => number): string {
  const depth = 1 + int(rng, 3);
  const parts: string[] = [];
  for (let d = 0; d < depth; d++) parts.push(pick(KEY_WORDS, rng));
  return `${parts.join('/')}/${randomString(rng, HEX, 12)}.parquet`;
}

function isoSeconds(time: number): string {
  return `${new Date(time).toISOString().slice(0, 19)}Z`;
}

function weightedPool<T>(items: T[], weight: (item: T, index: number) => number): WeightedPool<T> {
  let sum = 0;
  const cumulative = items.map((item, i) => (sum += weight(item, i)));
  return { items, cumulative: cumulative.map((c) => c / sum) };
}

function sample<T>(rng: () => number, pool: WeightedPool<T>): T {
  const x = rng();
  let lo = 0;
  let hi = pool.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((pool.cumulative[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  const item = pool.items[lo];
  if (item === undefined) throw new Error('sample: empty pool');
  return item;
}

function weighted<T>(rng: () => number, shares: ReadonlyArray<[T, number]>): T {
  let x = rng();
  for (const [value, share] of shares) {
    if (x < share) return value;
    x -= share;
  }
  return (shares[shares.length - 1] as [T, number])[0];
}

function uuid(rng: () => number): string {
  const h = randomString(rng, HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function randomString(rng: () => number, alphabet: string, length: number): string {
  let s = '';
  for (let k = 0; k < length; k++) s += alphabet[int(rng, alphabet.length)];
  return s;
}

function int(rng: () => number, n: number): number {
  return Math.floor(rng() * n);
}
