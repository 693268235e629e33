/**
 * The single-table layout, in one place so that the writer (aggregate.ts, store.ts) and the
 * readers (report.ts, the CLI, a user's `aws dynamodb query`) agree. README.md documents it.
 *
 * | pk                     | sk                                | what                                   |
 * |------------------------|-----------------------------------|----------------------------------------|
 * | `BUCKET#<bucket>`      | `HOUR#<YYYY-MM-DDTHH>`            | counters of one bucket in one UTC hour  |
 * | `BUCKET#<bucket>`      | `CLIENT#<YYYY-MM-DDTHH>#<address>#<id>` | one HTTP (or TLS-hygiene) client in that hour |
 * | `BUCKETS`              | `<bucket>`                        | index of buckets, for reports over all  |
 * | `LOG#<log id>`         | `CHUNK#<nnnnn>` / `DONE`          | exactly-once ledger of one log file     |
 * | `SHARED#<sharedEventID>` | `CLAIM`                         | which copy of a cross-account event counted |
 * | `FAILURES`             | `<log id>`                        | log files that failed permanently       |
 * | `RANGES`               | `CURRENT` / `<syncToken>`         | AWS ip-ranges.json versions (gzip)      |
 *
 * Hours sort as strings, so "the last 7 days of bucket X" is one Query with
 * `pk = BUCKET#X AND sk BETWEEN HOUR#<from> AND HOUR#<to>`.
 */
export const BUCKET_PREFIX = 'BUCKET#';
export const HOUR_PREFIX = 'HOUR#';
export const CLIENT_PREFIX = 'CLIENT#';
export const BUCKET_INDEX_PK = 'BUCKETS';
export const LOG_PREFIX = 'LOG#';
export const CHUNK_PREFIX = 'CHUNK#';
export const DONE_SK = 'DONE';
export const SHARED_PREFIX = 'SHARED#';
export const CLAIM_SK = 'CLAIM';
export const FAILURES_PK = 'FAILURES';
export const RANGES_PK = 'RANGES';
export const RANGES_CURRENT_SK = 'CURRENT';

/** Attribute that DynamoDB's TTL deletes items by (epoch seconds). */
export const EXPIRES_AT = 'expiresAt';

export interface ItemKey {
  pk: string;
  sk: string;
}

export const hourItemKey = (bucket: string, hour: string): ItemKey => ({
  pk: BUCKET_PREFIX + bucket,
  sk: HOUR_PREFIX + hour,
});

export const clientItemKey = (bucket: string, hour: string, address: string, clientId: string): ItemKey => ({
  pk: BUCKET_PREFIX + bucket,
  sk: `${CLIENT_PREFIX}${hour}#${address}#${clientId}`,
});

export const bucketIndexKey = (bucket: string): ItemKey => ({ pk: BUCKET_INDEX_PK, sk: bucket });

/**
 * Counter attributes. Plain names for the verdicts so that `aws dynamodb query` output reads
 * naturally; prefixed families for the open-ended ones (TLS versions, networks, operations).
 */
export const counter = {
  verdict: (verdict: string) => verdict,
  reason: (reason: string) => `reason_${reason}`,
  httpBySource: (sourceClass: string) => `http_${sourceClass}`,
  httpByNetwork: (network: string) => `http_net_${network}`,
  tlsVersion: (version: string) => `tls_${version}`,
  operation: (operation: string) => `op_${operation}`,
  /** Requests to the S3 website endpoint, which serves plain HTTP only. */
  website: 'website',
  websiteHttp: 'website_http',
  /** Presigned URLs (AuthenticationMethod QueryString) sent over HTTP: the signature travelled in clear. */
  presignedHttp: 'http_presigned',
  sigV2: 'sigv2',
  /** HTTPS with TLS below 1.2. */
  legacyTls: 'tls_legacy',
  /** EC2 instance credentials used from outside AWS and outside the named networks. */
  ec2CredentialsOutsideAws: 'ec2_credentials_outside_aws',
  /** A client item's request count. */
  requests: 'requests',
} as const;

export const COUNTER_PREFIXES = {
  reason: 'reason_',
  httpByNetwork: 'http_net_',
  tlsVersion: 'tls_',
  operation: 'op_',
} as const;

/** String-set attribute: the `syncToken`s of the AWS ranges that classified an item's requests. */
export const RANGES_SYNC_TOKENS = 'rangesSyncTokens';
/** Number-set attribute of client items: first and last HTTP request time (epoch s) of each log file. */
export const SEEN = 'seen';
