/**
 * The in-process contestants of the day bench, each over every file of a day corpus: the
 * script a user would write, DuckDB, and cleartrail's read-and-fold without the store. Each
 * returns what it counted, so that the runner can check it against the corpus manifest.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FoldPool } from '../../bin/run/fold-pool';
import { localLogInput } from '../../bin/run/local-files';
import { mergeTallies } from '../../lib/core/tally';

/** What a peer counted over the whole corpus. */
export interface PeerCount {
  records: number;
  s3Records: number;
  /** S3 records with neither tlsDetails nor a cipher suite, where the peer counts them. */
  s3WithoutTls?: number;
  /** Plain-HTTP and service requests, de-duplicated, where the peer answers cleartrail's question. */
  requests?: { http: number; service: number };
  /** Free text for the notes under the table. */
  detail: string;
}

/** The corpus's `.json.gz` files, in a stable order (as `cleartrail analyze` walks a directory). */
export function corpusFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.json.gz'))
    .sort()
    .map((name) => join(dir, name));
}

/** The ten-line script: per file gunzipSync, JSON.parse, count the S3 records without TLS evidence. */
export function naiveCount(files: readonly string[]): PeerCount {
  let records = 0;
  let s3Records = 0;
  let s3WithoutTls = 0;
  for (const file of files) {
    const log = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
      Records: Array<{ eventSource?: string; tlsDetails?: unknown; additionalEventData?: { CipherSuite?: string } }>;
    };
    records += log.Records.length;
    for (const record of log.Records) {
      if (record.eventSource !== 's3.amazonaws.com') continue;
      s3Records++;
      if (!record.tlsDetails && !record.additionalEventData?.CipherSuite) s3WithoutTls++;
    }
  }
  return {
    records,
    s3Records,
    s3WithoutTls,
    detail: `${s3WithoutTls.toLocaleString('en-US')} S3 records without TLS evidence`,
  };
}

/**
 * cleartrail without the store: every file read and folded as `analyze` does it, on one worker
 * thread per core (bin/run/fold-pool.ts), and nothing committed.
 */
export async function foldWithoutStore(files: readonly string[]): Promise<PeerCount> {
  const pool = new FoldPool({ networks: [] });
  try {
    const folds = await Promise.all(files.map(async (file) => pool.fold(await localLogInput(file))));
    let records = 0;
    let s3Records = 0;
    let requests = 0;
    const tallies = mergeTallies(folds.map((fold) => fold.tallies));
    for (const fold of folds) {
      records += fold.read.records;
      s3Records += fold.read.s3Records;
      requests += fold.summary.requests;
    }
    return {
      records,
      s3Records,
      detail: `${requests.toLocaleString('en-US')} requests folded on ${pool.size} threads into ${tallies.length.toLocaleString('en-US')} merged tallies`,
    };
  } finally {
    await pool.close();
  }
}

/** How to get the optional DuckDB peer; it is not a dependency of cleartrail. */
export const DUCKDB_INSTALL = 'npm install --no-save @duckdb/node-api';

/** The part of `@duckdb/node-api` used here; typed locally because the package is optional. */
interface DuckDbModule {
  DuckDBInstance: {
    create(
      path: string,
      options?: Record<string, string>,
    ): Promise<{
      connect(): Promise<{
        runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }>;
        closeSync?(): void;
      }>;
      closeSync?(): void;
    }>;
  };
}

/** The DuckDB module, or undefined when it is not installed. */
export async function loadDuckDb(): Promise<DuckDbModule | undefined> {
  // A variable specifier: TypeScript must not resolve a package that is not in package.json.
  const name = '@duckdb/node-api';
  try {
    return (await import(name)) as DuckDbModule;
  } catch {
    return undefined;
  }
}

/**
 * DuckDB over the whole directory, the bare count: `read_json` with a glob, `unnest(Records)`, and per bucket
 * the S3 records without tlsDetails and cipher suite, on 2 threads. Returns undefined when DuckDB
 * is not installed.
 */
export async function duckDbCount(dir: string, threads = 2): Promise<PeerCount | undefined> {
  const duckdb = await loadDuckDb();
  if (!duckdb) return undefined;
  const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: String(threads) });
  const connection = await instance.connect();
  const glob = `${dir.replace(/'/g, "''")}/**/*.json.gz`;
  // The largest delivery file is a few MB of JSON, one object; the default limit is 16 MB.
  const sql = `
    SELECT r.requestParameters.bucketName AS bucket,
           count(*) AS records,
           count(*) FILTER (WHERE r.eventSource = 's3.amazonaws.com') AS s3_records,
           count(*) FILTER (WHERE r.eventSource = 's3.amazonaws.com' AND r.tlsDetails IS NULL
                              AND r.additionalEventData.CipherSuite IS NULL) AS without_tls
    FROM (SELECT unnest(Records) AS r FROM read_json('${glob}', maximum_object_size = 268435456))
    GROUP BY ALL`;
  const rows = (await connection.runAndReadAll(sql)).getRowObjectsJS();
  connection.closeSync?.();
  instance.closeSync?.();
  let s3Records = 0;
  let s3WithoutTls = 0;
  let records = 0;
  let buckets = 0;
  for (const row of rows) {
    records += Number(row.records);
    s3Records += Number(row.s3_records);
    s3WithoutTls += Number(row.without_tls);
    if (Number(row.s3_records) > 0 && row.bucket !== null) buckets++;
  }
  return {
    records,
    s3Records,
    s3WithoutTls,
    detail: `${s3WithoutTls.toLocaleString('en-US')} S3 records without TLS evidence in ${buckets} buckets (${threads} threads)`,
  };
}

/**
 * DuckDB answering the question cleartrail answers: S3 requests per bucket, hour, verdict,
 * address, principal and VPC endpoint, each eventID counted once per file, on 2 threads. The
 * verdict is classifyVerdict's (lib/classify/verdict.ts) in SQL, but for the console-session rule:
 * the generated day has no such field, and read_json's inferred schema refuses a missing one.
 * Total records come from the same pass (a grouping set), not a second read.
 */
export async function duckDbGroupedCount(dir: string, threads = 2): Promise<PeerCount | undefined> {
  const duckdb = await loadDuckDb();
  if (!duckdb) return undefined;
  const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: String(threads) });
  const connection = await instance.connect();
  const glob = `${dir.replace(/'/g, "''")}/**/*.json.gz`;
  const sql = `
    WITH keyed AS (
      SELECT filename AS file,
             r.eventID AS event_id,
             r.eventSource = 's3.amazonaws.com' AS is_s3,
             r.requestParameters.bucketName AS bucket,
             date_trunc('hour', r.eventTime) AS hour,
             CASE
               WHEN coalesce(r.tlsDetails.tlsVersion, '') <> '' OR coalesce(r.additionalEventData.CipherSuite, '') <> ''
                 OR coalesce(r.tlsDetails.cipherSuite, '') <> '' THEN 'https'
               WHEN coalesce(r.userIdentity.invokedBy, '') <> '' OR r.userIdentity.type = 'AWSService'
                 OR NOT regexp_full_match(coalesce(r.sourceIPAddress, ''),
                                          '\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*') THEN 'service'
               WHEN r.additionalEventData IS NOT NULL OR r.eventVersion >= '1.08' THEN 'http'
               ELSE 'unknown'
             END AS verdict,
             r.sourceIPAddress AS address,
             coalesce(r.userIdentity.arn, r.userIdentity.type) AS principal,
             r.vpcEndpointId AS vpc_endpoint
      FROM (SELECT filename, unnest(Records) AS r
            FROM read_json('${glob}', filename = true, maximum_object_size = 268435456))
    ),
    once AS (
      SELECT is_s3, bucket, hour, verdict, address, principal, vpc_endpoint, count(*) AS copies
      FROM keyed GROUP BY file, event_id, is_s3, bucket, hour, verdict, address, principal, vpc_endpoint
    )
    SELECT grouping(bucket) = 1 AS total, is_s3, verdict, count(*) AS requests, sum(copies) AS records
    FROM once
    GROUP BY GROUPING SETS ((is_s3), (is_s3, bucket, hour, verdict, address, principal, vpc_endpoint))`;
  const rows = (await connection.runAndReadAll(sql)).getRowObjectsJS();
  connection.closeSync?.();
  instance.closeSync?.();
  let records = 0;
  let s3Records = 0;
  let groups = 0;
  const requests = { http: 0, service: 0 };
  for (const row of rows) {
    if (row.total) {
      records += Number(row.records);
      if (row.is_s3) s3Records += Number(row.records);
    } else if (row.is_s3) {
      groups++;
      if (row.verdict === 'http' || row.verdict === 'service') requests[row.verdict] += Number(row.requests);
    }
  }
  return {
    records,
    s3Records,
    requests,
    detail: `${groups.toLocaleString('en-US')} groups of S3 requests, ${requests.http.toLocaleString('en-US')} over HTTP (${threads} threads)`,
  };
}
