import type { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError, ConflictingValuesError, EmptyWindowError, InvalidValueError } from '../lib/core/errors';
import { EVIDENCE_SOURCES, type EvidenceKind } from '../lib/core/tally';
import { InvalidNetworksError, type NamedNetwork, parseNamedNetworks } from '../lib/net/named-networks';
import { MIN_TLS_VERSIONS, type MinTlsVersion } from '../lib/report/bucket-policy';
import type { StoreSession } from './session';

/** Every option of every command; `parseArgs` refuses any other. */
export const OPTIONS = {
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  'data-dir': { type: 'string', default: '.cleartrail' },
  table: { type: 'string' },
  region: { type: 'string' },
  bucket: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  networks: { type: 'string' },
  'all-failed': { type: 'boolean' },
  hygiene: { type: 'boolean' },
  new: { type: 'boolean' },
  days: { type: 'string' },
  'min-tls': { type: 'string' },
  'max-gap-hours': { type: 'string' },
  'policy-file': { type: 'string' },
  html: { type: 'string' },
  'batch-files': { type: 'string' },
  profile: { type: 'string' },
  output: { type: 'string' },
  workers: { type: 'string' },
  source: { type: 'string' },
  apply: { type: 'boolean' },
  rollback: { type: 'string' },
  force: { type: 'string' },
  selectors: { type: 'string' },
  'log-bucket': { type: 'string' },
  'older-than': { type: 'string' },
  trail: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** A command: its option values and operands in, the process exit code out. */
export type Command = (values: Values, operands: string[]) => Promise<number>;

/** A command line that cannot run as given; the message names the flag as the user typed it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The flag behind each field lib/ names in its errors. */
const FLAG_OF_FIELD: Record<string, string> = {
  'window start': '--since',
  'window end': '--until',
  'number of days': '--days',
  'grace period': '--older-than',
};

/**
 * The usage message for an error caused by the command line, in the CLI's own words (its flag
 * names); undefined for any other error. lib/ names fields, never flags (see lib/core/errors.ts).
 */
export function usageMessage(error: unknown): string | undefined {
  if (error instanceof UsageError) return error.message;
  if (error instanceof InvalidValueError) {
    const flag = FLAG_OF_FIELD[error.field];
    return flag ? `${flag} ${JSON.stringify(error.value)} ${error.problem}` : error.message;
  }
  if (error instanceof EmptyWindowError) {
    return error.end.value !== undefined
      ? `--since ${error.start.value} is after --until ${error.end.value}`
      : `--since ${error.start.value} is after the end of the window, ${error.end.hour}`;
  }
  if (error instanceof ConflictingValuesError) {
    const [first, second] = error.fields.map((field) => FLAG_OF_FIELD[field] ?? field);
    return `choose one of ${first} and ${second}`;
  }
  if (error instanceof InvalidNetworksError) return `--networks: ${error.message}`;
  if (error instanceof ConfigurationError) return error.message;
  return undefined;
}

export function parseNetworksOption(values: Values): NamedNetwork[] {
  return parseNamedNetworks(values.networks ?? '');
}

export function parseWholeNumber(option: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
    throw new UsageError(`${option} ${JSON.stringify(value)} is not a whole number${min > 0 ? ` >= ${min}` : ''}`);
  }
  return Number(value);
}

/** `--days`, which has no default here: lib/ knows how many days a readiness window spans by default. */
export function parseDays(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseWholeNumber('--days', value, 0, 1);
}

export function parseMinTls(value: string | undefined): MinTlsVersion | undefined {
  if (value === undefined) return undefined;
  const version = value.replace(/^TLSv?/i, '');
  if (!(MIN_TLS_VERSIONS as readonly string[]).includes(version)) {
    throw new UsageError(`--min-tls ${JSON.stringify(value)} is not one of ${MIN_TLS_VERSIONS.join(', ')}`);
  }
  return version as MinTlsVersion;
}

/** `--source cloudtrail|access-log`: the evidence a report reads; undefined lets each bucket's data decide. */
export function parseSourceOption(value: string | undefined): EvidenceKind | undefined {
  if (value === undefined) return undefined;
  if (!(EVIDENCE_SOURCES as readonly string[]).includes(value)) {
    throw new UsageError(`--source ${JSON.stringify(value)} is not one of ${EVIDENCE_SOURCES.join(', ')}`);
  }
  return value as EvidenceKind;
}

/** Opens the store the store options name, runs `run`, and closes the store whatever happens. */
export async function withStore<T>(values: Values, run: (session: StoreSession) => Promise<T>): Promise<T> {
  // Loaded here: the stores and the AWS SDK are most of the CLI's code, and `--help` needs none of it.
  const { openStore } = await import('./session');
  const session = await openStore({
    table: values.table,
    region: values.region,
    dataDir: values['data-dir'] ?? '.cleartrail',
  });
  try {
    return await run(session);
  } finally {
    await session.close();
  }
}

/**
 * The S3 client of a command that reads the user's buckets: the default credential chain, or
 * `--profile` and `--region`; `AWS_ENDPOINT_URL_S3` and `CLEARTRAIL_S3_FORCE_PATH_STYLE=true` reach an
 * S3-compatible server.
 */
export async function s3ClientFor(values: Values): Promise<S3Client> {
  const { createS3Client } = await import('../lib/s3/aws-clients');
  return createS3Client({
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.region ? { region: values.region } : {}),
    forcePathStyle: process.env.CLEARTRAIL_S3_FORCE_PATH_STYLE === 'true',
  });
}
