import { existsSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CleartrailError } from '../lib/core/errors';
import { BATCH_RETRY_POLICY } from '../lib/core/retry';
import { AggregateStore, type CliStore } from '../lib/store';
import { EmbeddedStore } from '../lib/store/embedded';
import type { LockHolder } from '../lib/store/file-lock';
import { note } from './render/output';

export interface StoreOptions {
  table?: string;
  region?: string;
  dataDir: string;
}

export interface StoreSession {
  store: CliStore;
  /** Where the aggregates live, for messages. */
  description: string;
  /** Whether the store bills writes (a deployed table), so that counting reports them. */
  billsWrites: boolean;
  close(): Promise<void>;
}

/** Where the DynamoDB Local of earlier versions kept a data directory's table. */
export const LEGACY_DYNAMODB_DIR = 'dynamodb';

/**
 * With `--table`, the user's table through the default AWS credential chain; otherwise the
 * embedded store in `<data-dir>` (lib/store/embedded.ts), in this process, so that a later
 * `report` sees what `analyze` stored and nothing outlives the command.
 */
export async function openStore(options: StoreOptions): Promise<StoreSession> {
  if (options.table) return openTable(options.table, options.region);
  const dataDir = path.resolve(options.dataDir);
  refuseLegacyDataDir(options.dataDir, dataDir);
  const store = await EmbeddedStore.open(dataDir, {
    command: commandLine(),
    onWait: (holder, waitedMs) => note(waitingText(options.dataDir, holder, waitedMs)),
  });
  return {
    store,
    // As the user gave it: an absolute path shown relative to the working directory read as `../../tmp/...`.
    description: `the embedded store in ${options.dataDir}`,
    billsWrites: false,
    close: async () => store.close(),
  };
}

export function openTable(table: string, region?: string): StoreSession & { store: AggregateStore } {
  const client = new DynamoDBClient(region ? { region } : {});
  return {
    store: new AggregateStore(client, table, { retry: BATCH_RETRY_POLICY }),
    description: `table ${table}`,
    billsWrites: true,
    close: async () => client.destroy(),
  };
}

/**
 * A data directory that holds only the DynamoDB Local files of an earlier version: reading them
 * would need Java, so it is refused with the way to rebuild it from the logs.
 */
function refuseLegacyDataDir(given: string, dataDir: string): void {
  if (!existsSync(path.join(dataDir, LEGACY_DYNAMODB_DIR))) return;
  if (existsSync(path.join(dataDir, 'store.sqlite'))) return;
  throw new CleartrailError(
    `${given} holds aggregates of the DynamoDB Local store of an earlier cleartrail, which this version no longer runs. ` +
      `Rebuild them: remove ${path.join(given, LEGACY_DYNAMODB_DIR)} and run "cleartrail analyze" on the same logs again ` +
      `(or use another --data-dir)`,
    { retryable: false },
  );
}

function commandLine(): string {
  return process.argv.slice(2, 4).join(' ');
}

/** Text from another process's lock file: printable characters only, and short. */
function waitingText(dataDir: string, holder: LockHolder | undefined, waitedMs: number): string {
  const seconds = Math.round(waitedMs / 1000);
  if (!holder) return `${dataDir} is busy: waiting for another command's commit (${seconds} s so far)`;
  const command = holder.command.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
  return (
    `${dataDir} is busy: waiting for "cleartrail ${command}" (pid ${holder.pid}) to finish its commit ` +
    `(${seconds} s so far); this command goes on by itself`
  );
}
