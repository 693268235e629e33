/**
 * The single-table layout: the only place that knows keys, prefixes and attribute names. The rest
 * of cleartrail passes tallies, log ids and failure records; README.md ("The table") documents it
 * for users who query the table themselves.
 *
 * | pk                       | sk                                       | what                                      |
 * |--------------------------|------------------------------------------|-------------------------------------------|
 * | `BUCKET#<bucket>`        | `HOUR#<YYYY-MM-DDTHH>`                   | counters of one bucket in one UTC hour     |
 * | `BUCKET#<bucket>`        | `CLIENT#<YYYY-MM-DDTHH>#<address>#<id>`  | one HTTP (or TLS-hygiene) client that hour |
 * | `BUCKET#<bucket>`        | `HTTPCLIENT#<identity>`                  | first-seen marker of a plain-HTTP identity |
 * | `NEWCLIENTS`             | `<bucket>#<identity>`                    | a new client's alert, until it is sent     |
 * | `BUCKETS`                | `<bucket>`                               | index of buckets, for reports over all     |
 * | `LOG#<log id>`           | `DONE`                                   | a log's ledger entry: claimed, then done   |
 * | `BATCH#<batch id>`       | `INTENT` / `PART#<nnn>` / `APPLIED#<nnnnn>` | a batch commit's intent and progress    |
 * | `SHARED#<sharedEventID>` | `CLAIM`                                  | which copy of a cross-account event counted |
 * | `FAILURES`               | `<log id>`                               | log files that failed permanently          |
 * | `RANGES`                 | `CURRENT` / `<syncToken>`                | AWS ip-ranges.json versions (gzip)         |
 *
 * Hours sort as strings, so "the last 7 days of bucket X" is one Query with
 * `pk = BUCKET#X AND sk BETWEEN HOUR#<from> AND HOUR#<to>`.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { HttpClientSighting, NewHttpClient } from '../first-seen';
import type { TimeWindow } from '../report';
import type { ClientDescription, ClientTally, HourTally, Tally } from '../tally';

export type Key = { pk: string; sk: string };
export type Item = Record<string, AttributeValue>;

const BUCKET_PREFIX = 'BUCKET#';
const HOUR_PREFIX = 'HOUR#';
const CLIENT_PREFIX = 'CLIENT#';
/** Sorts after every `HOUR#` key and shares no prefix with `CLIENT#`: window queries never meet it. */
const FIRST_SEEN_PREFIX = 'HTTPCLIENT#';
const ALERTS_PARTITION = 'NEWCLIENTS';

/** Attribute that DynamoDB's TTL deletes items by (epoch seconds). */
export const EXPIRES_AT = 'expiresAt';
/** Number set of client items: first and last HTTP request time (epoch s) of each commit. */
export const SEEN = 'seen';
/** String set: the `syncToken`s of the AWS ranges that classified an item's requests. */
export const RANGES_SYNC_TOKENS = 'rangesSyncTokens';

/** Attributes of a tally item that are not counters. */
const HOUR_ATTRIBUTES = new Set(['pk', 'sk', 'bucket', 'hour', SEEN, RANGES_SYNC_TOKENS]);
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
    if (tally.kind === 'hour') return { pk, sk: HOUR_PREFIX + tally.hour };
    return { pk, sk: `${CLIENT_PREFIX}${tally.hour}#${tally.client.address}#${tally.client.clientId}` };
  },
  bucketIndex: (bucket: string): Key => ({ pk: 'BUCKETS', sk: bucket }),
  bucketIndexPartition: 'BUCKETS',
  bucketPartition: (bucket: string) => BUCKET_PREFIX + bucket,
  /** Sort keys that bound a window for a Query on a bucket's hour or client items. */
  sortKeyRange(kind: Tally['kind'], window: TimeWindow): [string, string] {
    const prefix = kind === 'hour' ? HOUR_PREFIX : CLIENT_PREFIX;
    // '~' sorts after every character an hour or a client id contains.
    return [prefix + (window.fromHour ?? ''), `${prefix}${window.toHour ?? '9999'}~`];
  },
  log: (logId: string): Key => ({ pk: `LOG#${logId}`, sk: 'DONE' }),
  logIdOf: (key: Key): string => key.pk.slice('LOG#'.length),
  batchPartition: (batchId: string) => `BATCH#${batchId}`,
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
} as const;

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
  if (tally.kind === 'client' && tally.seen.length > 0) add(SEEN, { NS: [...new Set(tally.seen)].map(String) });
  if (tally.rangesSyncTokens.length > 0) add(RANGES_SYNC_TOKENS, { SS: [...new Set(tally.rangesSyncTokens)] });
  setOnce('bucket', tally.bucket);
  setOnce('hour', tally.hour);
  if (tally.kind === 'client') {
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

/** A stored hour item as a tally (every numeric attribute that is not a set is a counter). */
export function hourTallyOf(item: Record<string, unknown>): HourTally {
  return {
    kind: 'hour',
    bucket: String(item.bucket),
    hour: String(item.hour),
    counters: countersOf(item, HOUR_ATTRIBUTES),
    rangesSyncTokens: stringsOf(item[RANGES_SYNC_TOKENS]),
  };
}

/** A stored client item as a tally. */
export function clientTallyOf(item: Record<string, unknown>): ClientTally {
  const client: Partial<ClientDescription> = {};
  for (const field of CLIENT_DESCRIPTION_FIELDS) {
    const value = item[field];
    if (typeof value === 'string' && value.length > 0) client[field] = value;
  }
  return {
    kind: 'client',
    bucket: String(item.bucket),
    hour: String(item.hour),
    client: {
      ...client,
      clientId: client.clientId ?? '',
      address: client.address ?? '',
      class: client.class ?? 'unknown',
      principal: client.principal ?? 'unknown',
    },
    counters: countersOf(item, CLIENT_ATTRIBUTES),
    seen: numbersOf(item[SEEN]).sort((a, b) => a - b),
    rangesSyncTokens: stringsOf(item[RANGES_SYNC_TOKENS]),
  };
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
