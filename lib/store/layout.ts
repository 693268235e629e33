/**
 * The single-table layout: the only place that knows keys, prefixes and attribute names. The rest
 * of cleartrail passes tallies, log ids and failure records; README.md ("The table") documents it
 * for users who query the table themselves.
 *
 * | pk                       | sk                                       | what                                      |
 * |--------------------------|------------------------------------------|-------------------------------------------|
 * | `BUCKET#<bucket>`        | `HOUR#<YYYY-MM-DDTHH>`                   | counters of one bucket in one UTC hour     |
 * | `BUCKET#<bucket>`        | `CLIENT#<YYYY-MM-DD>#<address>#<id>`     | one HTTP (or TLS-hygiene) client that day  |
 * | `BUCKET#<bucket>`        | `HOUR#<YYYY-MM-DDTHH>#access-log`        | the same, counted from S3 server access logs |
 * | `BUCKET#<bucket>`        | `CLIENT#<YYYY-MM-DD>#<address>#<id>#access-log` | an access-log client that day |
 * | `BUCKET#<bucket>`        | `HTTPCLIENT#<identity>`                  | first-seen marker of a plain-HTTP identity |
 * | `NEWCLIENTS`             | `<bucket>#<identity>`                    | a new client's alert, until it is sent     |
 * | `BUCKETS`                | `<bucket>`                               | index of buckets, for reports over all     |
 * | `LOG#<log id>`           | `DONE`                                   | a log claimed by a batch: done when it is  |
 * | `BATCH#<batch id>`       | `INTENT` / `PART#<nnn>` / `APPLIED#<nnnnn>` | a batch commit's intent and progress    |
 *
 * Index `open-batches` (keys `openBatches`, `claimedAt`): the headers of batches not yet done.
 * | `SHARED#<sharedEventID>` | `CLAIM`                                  | which copy of a cross-account event counted |
 * | `FAILURES`               | `<log id>`                               | log files that failed permanently          |
 * | `RANGES`                 | `CURRENT` / `<syncToken>`                | AWS ip-ranges.json versions (gzip)         |
 * | `COVERAGE`               | `TRAIL#<trail ARN>` / `ACCESSLOG#<bucket>` | the latest reading of a trail's selectors, of a bucket's access logging |
 *
 * Hours sort as strings, so "the last 7 days of bucket X" is one Query with
 * `pk = BUCKET#X AND sk BETWEEN HOUR#<from> AND HOUR#<to>~`. Access-log items carry a suffix and
 * a `source` attribute, so they fall inside the same windows while CloudTrail items keep the keys
 * and attributes they always had (a table written before access logs reads the same).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AccessLogReading, TrailReading } from '../core/event-selectors';
import type { HttpClientSighting, NewHttpClient } from '../core/http-identity';
import {
  type ClientDescription,
  type ClientTally,
  counter,
  type EvidenceKind,
  type HourTally,
  type Tally,
} from '../core/tally';
import type { TimeWindow } from '../core/time-window';

export type Key = { pk: string; sk: string };
export type Item = Record<string, AttributeValue>;

const BUCKET_PREFIX = 'BUCKET#';
const HOUR_PREFIX = 'HOUR#';
const CLIENT_PREFIX = 'CLIENT#';
/** Sort-key suffix and `source` value of items counted from S3 server access logs. */
const ACCESS_LOG: EvidenceKind = 'access-log';
const ACCESS_LOG_SUFFIX = `#${ACCESS_LOG}`;
/** Attribute naming an item's evidence source; absent on CloudTrail items, as before access logs. */
export const SOURCE = 'source';
/** Sorts after every `HOUR#` key and shares no prefix with `CLIENT#`: window queries never meet it. */
const FIRST_SEEN_PREFIX = 'HTTPCLIENT#';
const ALERTS_PARTITION = 'NEWCLIENTS';
const COVERAGE_PARTITION = 'COVERAGE';
const TRAIL_READING_PREFIX = 'TRAIL#';
const ACCESS_LOG_READING_PREFIX = 'ACCESSLOG#';

/** Attribute that DynamoDB's TTL deletes items by (epoch seconds). */
export const EXPIRES_AT = 'expiresAt';
/**
 * The sparse index of open batches: a header carries its partition key from the claim until the
 * done mark (or the failure mark) removes it, so recovery finds unfinished batches with a Query
 * sorted by claim time, never a scan.
 */
export const OPEN_BATCHES = {
  index: 'open-batches',
  partitionKey: 'openBatches',
  open: 'OPEN',
  sortKey: 'claimedAt',
} as const;
/** Number set of hour items: first and last HTTP request time (epoch s) of each commit. */
export const SEEN = 'seen';
/** The same, of the plain-HTTP requests S3 refused, and of those it served. */
export const SEEN_DENIED = 'seenDenied';
export const SEEN_SERVED = 'seenServed';
/** String set: the `syncToken`s of the AWS ranges that classified an item's requests. */
export const RANGES_SYNC_TOKENS = 'rangesSyncTokens';

/** Attributes of a tally item that are not counters. */
const HOUR_ATTRIBUTES = new Set([
  'pk',
  'sk',
  'bucket',
  'hour',
  'day',
  SOURCE,
  SEEN,
  SEEN_DENIED,
  SEEN_SERVED,
  RANGES_SYNC_TOKENS,
]);
const CLIENT_DESCRIPTION_FIELDS: ReadonlyArray<keyof ClientDescription> = [
  'clientId',
  'address',
  'class',
  'principal',
  'userAgent',
  'network',
  'awsService',
  'awsRegion',
  'vpcEndpointId',
  'vpcEndpointAccountId',
  'instanceId',
  'ec2Credentials',
];
const CLIENT_ATTRIBUTES = new Set<string>([...HOUR_ATTRIBUTES, ...CLIENT_DESCRIPTION_FIELDS]);

export const keys = {
  tally(tally: Tally): Key {
    const pk = BUCKET_PREFIX + tally.bucket;
    // An intent stored before access logs existed has tallies without a source: CloudTrail's.
    const suffix = tally.source === ACCESS_LOG ? ACCESS_LOG_SUFFIX : '';
    if (tally.kind === 'hour') return { pk, sk: HOUR_PREFIX + tally.hour + suffix };
    return { pk, sk: `${CLIENT_PREFIX}${tally.day}#${tally.client.address}#${tally.client.clientId}${suffix}` };
  },
  bucketIndex: (bucket: string): Key => ({ pk: 'BUCKETS', sk: bucket }),
  bucketIndexPartition: 'BUCKETS',
  bucketPartition: (bucket: string) => BUCKET_PREFIX + bucket,
  /**
   * Sort keys that bound a window for a Query on a bucket's hour items, or on the client items
   * of the days the window touches. Client items written before clients were kept per day have
   * an hour in their key (`CLIENT#<YYYY-MM-DDTHH>#...`); they sort inside their day's range.
   */
  sortKeyRange(kind: Tally['kind'], window: TimeWindow): [string, string] {
    // '~' sorts after every character an hour or a client id contains.
    if (kind === 'hour') return [HOUR_PREFIX + (window.fromHour ?? ''), `${HOUR_PREFIX}${window.toHour ?? '9999'}~`];
    return [
      CLIENT_PREFIX + (window.fromHour?.slice(0, 10) ?? ''),
      `${CLIENT_PREFIX}${window.toHour?.slice(0, 10) ?? '9999'}~`,
    ];
  },
  log: (logId: string): Key => ({ pk: `LOG#${logId}`, sk: 'DONE' }),
  logIdOf: (key: Key): string => key.pk.slice('LOG#'.length),
  batchPartition: (batchId: string) => `BATCH#${batchId}`,
  batchIdOf: (pk: string): string => pk.slice('BATCH#'.length),
  intent: (batchId: string): Key => ({ pk: `BATCH#${batchId}`, sk: 'INTENT' }),
  intentPart: (batchId: string, part: number): Key => ({
    pk: `BATCH#${batchId}`,
    sk: `PART#${String(part).padStart(3, '0')}`,
  }),
  partPrefix: 'PART#',
  appliedPrefix: 'APPLIED#',
  applied: (batchId: string, chunk: number): Key => ({
    pk: `BATCH#${batchId}`,
    sk: `APPLIED#${String(chunk).padStart(5, '0')}`,
  }),
  appliedChunkOf: (sk: string): number => Number(sk.slice('APPLIED#'.length)),
  firstSeen: (bucket: string, identity: string): Key => ({
    pk: BUCKET_PREFIX + bucket,
    sk: FIRST_SEEN_PREFIX + identity,
  }),
  firstSeenPrefix: FIRST_SEEN_PREFIX,
  alertsPartition: ALERTS_PARTITION,
  alert: (bucket: string, identity: string): Key => ({ pk: ALERTS_PARTITION, sk: `${bucket}#${identity}` }),
  sharedClaim: (sharedEventId: string): Key => ({ pk: `SHARED#${sharedEventId}`, sk: 'CLAIM' }),
  failuresPartition: 'FAILURES',
  failure: (logId: string): Key => ({ pk: 'FAILURES', sk: logId }),
  rangesPartition: 'RANGES',
  ranges: (which: 'current' | string): Key => ({ pk: 'RANGES', sk: which === 'current' ? 'CURRENT' : which }),
  coveragePartition: COVERAGE_PARTITION,
  trailReading: (trailArn: string): Key => ({ pk: COVERAGE_PARTITION, sk: TRAIL_READING_PREFIX + trailArn }),
  trailReadingPrefix: TRAIL_READING_PREFIX,
  accessLogReading: (bucket: string): Key => ({ pk: COVERAGE_PARTITION, sk: ACCESS_LOG_READING_PREFIX + bucket }),
  accessLogReadingPrefix: ACCESS_LOG_READING_PREFIX,
} as const;

/**
 * A coverage reading as an item: the reading as JSON (selectors nest deeper than is worth
 * mapping to attributes) and `readAt`, which a conditional write compares so that an older
 * reading never replaces a newer one.
 */
export function coverageReadingItem(key: Key, reading: TrailReading | AccessLogReading): PlainItem {
  return { pk: key.pk, sk: key.sk, [READ_AT]: reading.readAt, [READING]: JSON.stringify(reading) };
}

/** The reading a coverage item holds. */
export function coverageReadingOf<T extends TrailReading | AccessLogReading>(item: Record<string, unknown>): T {
  return JSON.parse(String(item[READING])) as T;
}

/** Attribute of a coverage item: when it was read (ISO time, compared as a string). */
export const READ_AT = 'readAt';
const READING = 'reading';

/**
 * The `UpdateItem` parts that add a tally to its stored item: counters and sets are ADDed,
 * descriptive attributes set once with `if_not_exists`. Adding is not idempotent: that each
 * tally is added once is the ledger's job.
 */
export function tallyUpdate(tally: Tally): {
  Key: Item;
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
} {
  const names: Record<string, string> = {};
  const values: Item = {};
  const adds: string[] = [];
  const sets: string[] = [];
  let n = 0;
  const add = (name: string, value: AttributeValue) => {
    names[`#n${n}`] = name;
    values[`:v${n}`] = value;
    adds.push(`#n${n} :v${n}`);
    n++;
  };
  const setOnce = (name: string, value: string) => {
    names[`#n${n}`] = name;
    values[`:v${n}`] = { S: value };
    sets.push(`#n${n} = if_not_exists(#n${n}, :v${n})`);
    n++;
  };
  for (const [name, amount] of Object.entries(tally.counters)) add(name, { N: String(amount) });
  if (tally.kind === 'hour') {
    for (const [name, times] of hourTimeSets(tally))
      if (times.length > 0) add(name, { NS: [...new Set(times)].map(String) });
  }
  if (tally.rangesSyncTokens.length > 0) add(RANGES_SYNC_TOKENS, { SS: [...new Set(tally.rangesSyncTokens)] });
  setOnce('bucket', tally.bucket);
  if (tally.source === ACCESS_LOG) setOnce(SOURCE, ACCESS_LOG);
  if (tally.kind === 'hour') setOnce('hour', tally.hour);
  else {
    setOnce('day', tally.day);
    for (const field of CLIENT_DESCRIPTION_FIELDS) {
      const value = tally.client[field];
      if (value !== undefined) setOnce(field, value);
    }
  }
  const key = keys.tally(tally);
  return {
    Key: { pk: { S: key.pk }, sk: { S: key.sk } },
    UpdateExpression: [adds.length > 0 ? `ADD ${adds.join(', ')}` : '', `SET ${sets.join(', ')}`]
      .filter(Boolean)
      .join(' '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** The number sets of an hour item and the tally times they hold. */
function hourTimeSets(tally: HourTally): Array<[string, readonly number[]]> {
  return [
    [SEEN, tally.seen],
    [SEEN_DENIED, tally.deniedSeen ?? []],
    [SEEN_SERVED, tally.servedSeen ?? []],
  ];
}

/**
 * A stored hour item as a tally (every numeric attribute that is not a set is a counter). An
 * item written before refusals were counted has no `http_denied`: all its HTTP was served, and
 * its served times are those of `seen`.
 */
export function hourTallyOf(item: Record<string, unknown>): HourTally {
  const counters = countersOf(item, HOUR_ATTRIBUTES);
  const seen = sortedNumbers(item[SEEN]);
  const served = (counters[counter.verdict('http')] ?? 0) - (counters[counter.httpDenied] ?? 0);
  return {
    kind: 'hour',
    source: sourceOf(item),
    bucket: String(item.bucket),
    hour: String(item.hour),
    counters,
    seen,
    deniedSeen: sortedNumbers(item[SEEN_DENIED]),
    servedSeen: item[SEEN_SERVED] !== undefined ? sortedNumbers(item[SEEN_SERVED]) : served > 0 ? [...seen] : [],
    rangesSyncTokens: stringsOf(item[RANGES_SYNC_TOKENS]),
  };
}

function sortedNumbers(value: unknown): number[] {
  return numbersOf(value).sort((a, b) => a - b);
}

/**
 * A stored client item as a tally. An item from before clients were kept per day holds one
 * hour: its HTTP count is that hour's, so it reads as a day tally with one hour of HTTP.
 */
export function clientTallyOf(item: Record<string, unknown>): ClientTally {
  const client: Partial<ClientDescription> = {};
  for (const field of CLIENT_DESCRIPTION_FIELDS) {
    const value = item[field];
    if (typeof value === 'string' && value.length > 0) client[field] = value;
  }
  const counters = countersOf(item, CLIENT_ATTRIBUTES);
  const hourOnlyItem = typeof item.hour === 'string' && item.day === undefined;
  if (hourOnlyItem && counters[counter.verdict('http')] !== undefined) {
    counters[counter.httpInHour(String(item.hour).slice(11, 13))] = counters[counter.verdict('http')] as number;
  }
  return {
    kind: 'client',
    source: sourceOf(item),
    bucket: String(item.bucket),
    day: hourOnlyItem ? String(item.hour).slice(0, 10) : String(item.day),
    client: {
      ...client,
      clientId: client.clientId ?? '',
      address: client.address ?? '',
      class: client.class ?? 'unknown',
      principal: client.principal ?? 'unknown',
    },
    counters,
    seen: [],
    rangesSyncTokens: stringsOf(item[RANGES_SYNC_TOKENS]),
  };
}

function sourceOf(item: Record<string, unknown>): EvidenceKind {
  return item[SOURCE] === ACCESS_LOG ? ACCESS_LOG : 'cloudtrail';
}

function countersOf(item: Record<string, unknown>, notCounters: ReadonlySet<string>): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (typeof value === 'number' && !notCounters.has(name)) counters[name] = value;
  }
  return counters;
}

function numbersOf(value: unknown): number[] {
  const values = value instanceof Set ? [...value] : Array.isArray(value) ? value : [];
  return values.filter((v): v is number => typeof v === 'number');
}

function stringsOf(value: unknown): string[] {
  const values = value instanceof Set ? [...value] : Array.isArray(value) ? value : [];
  return values.filter((v): v is string => typeof v === 'string').sort();
}

/**
 * Attributes of a first-seen marker and of its alert besides the client's description: the
 * batch that recorded it first (and owns its alert), when, and the alert's delivery state.
 */
export const FIRST_SEEN = {
  batch: 'batch',
  recordedAt: 'recordedAt',
  notifiedAt: 'notifiedAt',
  leaseUntil: 'leaseUntil',
  leasedBy: 'leasedBy',
} as const;
const SIGHTING_FIELDS = [
  'bucket',
  'identity',
  'address',
  'class',
  'network',
  'instanceId',
  'principal',
  'userAgent',
  'operation',
  'outcome',
] as const satisfies ReadonlyArray<keyof HttpClientSighting>;

/** A first-seen marker or an alert item for a new client (`key` says which). */
export function firstSeenItem(key: Key, client: NewHttpClient, extra: Record<string, string | number>): Item {
  const item: Item = {
    pk: { S: key.pk },
    sk: { S: key.sk },
    [FIRST_SEEN.batch]: { S: client.batchId },
    firstSeen: { N: String(client.firstSeen) },
  };
  for (const field of SIGHTING_FIELDS) {
    const value = client[field];
    if (value !== undefined) item[field] = { S: value };
  }
  for (const [name, value] of Object.entries(extra))
    item[name] = typeof value === 'number' ? { N: String(value) } : { S: value };
  return item;
}

/** A stored marker or alert as the new client it records, with its delivery state. */
export function newHttpClientOf(item: Record<string, unknown>): NewHttpClient & { notifiedAt?: string } {
  const client: Record<string, unknown> = {
    batchId: String(item[FIRST_SEEN.batch]),
    firstSeen: Number(item.firstSeen),
  };
  for (const field of SIGHTING_FIELDS) {
    const value = item[field];
    if (typeof value === 'string' && value.length > 0) client[field] = value;
  }
  const notifiedAt = item[FIRST_SEEN.notifiedAt];
  if (typeof notifiedAt === 'string') client.notifiedAt = notifiedAt;
  return client as unknown as NewHttpClient & { notifiedAt?: string };
}

/** An item as the embedded store keeps it: plain JSON values, sets as sorted arrays. */
export type PlainItem = Record<string, unknown>;

/**
 * The embedded store's `tallyUpdate`: the stored item with a tally added, by the same rules
 * (counters and sets added, descriptive attributes set once). Counters are whatever the tally
 * holds, so a new counter needs no change here.
 */
export function addTallyToItem(stored: PlainItem | undefined, tally: Tally): PlainItem {
  const key = keys.tally(tally);
  const item: PlainItem = { ...(stored ?? {}), pk: key.pk, sk: key.sk };
  for (const [name, amount] of Object.entries(tally.counters)) {
    item[name] = (typeof item[name] === 'number' ? (item[name] as number) : 0) + amount;
  }
  const union = (name: string, values: ReadonlyArray<string | number>) => {
    if (values.length === 0) return;
    const merged = new Set<string | number>([...(Array.isArray(item[name]) ? (item[name] as []) : []), ...values]);
    item[name] = [...merged].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  };
  if (tally.kind === 'hour') for (const [name, times] of hourTimeSets(tally)) union(name, times);
  union(RANGES_SYNC_TOKENS, tally.rangesSyncTokens);
  const setOnce = (name: string, value: string) => {
    if (item[name] === undefined) item[name] = value;
  };
  setOnce('bucket', tally.bucket);
  if (tally.source === ACCESS_LOG) setOnce(SOURCE, ACCESS_LOG);
  if (tally.kind === 'hour') setOnce('hour', tally.hour);
  else {
    setOnce('day', tally.day);
    for (const field of CLIENT_DESCRIPTION_FIELDS) {
      const value = tally.client[field];
      if (value !== undefined) setOnce(field, value);
    }
  }
  return item;
}

/** A first-seen marker or alert as a plain item (the embedded store's `firstSeenItem`). */
export function plainFirstSeenItem(key: Key, client: NewHttpClient, extra: Record<string, string | number>): PlainItem {
  const item: PlainItem = { pk: key.pk, sk: key.sk, [FIRST_SEEN.batch]: client.batchId, firstSeen: client.firstSeen };
  for (const field of SIGHTING_FIELDS) {
    const value = client[field];
    if (value !== undefined) item[field] = value;
  }
  return { ...item, ...extra };
}
