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
 * DuckDB over the whole directory: `read_json` with a glob, `unnest(Records)`, and per bucket
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
