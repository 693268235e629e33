import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BATCH_RETRY_POLICY } from '../lib/core/retry';
import { AggregateStore } from '../lib/store';
import { connectSharedDynamoDbLocal } from './local/shared-store';
import { ensureTable } from './local/table';

export interface StoreOptions {
  table?: string;
  region?: string;
  dataDir: string;
}

export interface StoreSession {
  store: AggregateStore;
  /** Where the aggregates live, for messages. */
  description: string;
  close(): Promise<void>;
}

/** The table the embedded DynamoDB Local keeps under `--data-dir`. */
export const LOCAL_TABLE = 'cleartrail';

/**
 * With `--table`, the user's table through the default AWS credential chain; otherwise the
 * embedded DynamoDB Local whose data lives in `<data-dir>/dynamodb`, so that a later
 * `report` sees what `analyze` stored. That server is shared by every command on the same data
 * directory and outlives them by its idle timeout (see local/shared-store.ts).
 */
export async function openStore(options: StoreOptions): Promise<StoreSession> {
  if (options.table) {
    const client = new DynamoDBClient(options.region ? { region: options.region } : {});
    return {
      store: new AggregateStore(client, options.table, { retry: BATCH_RETRY_POLICY }),
      description: `table ${options.table}`,
      close: async () => client.destroy(),
    };
  }
  const dataDir = path.resolve(options.dataDir, 'dynamodb');
  const local = await connectSharedDynamoDbLocal({ dbDir: dataDir, command: process.argv.slice(2).join(' ') });
  // DynamoDB Local runs with -sharedDb, so region and credentials only have to be well-formed.
  const client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'cleartrail', secretAccessKey: 'local' },
  });
  try {
    await ensureTable(client, LOCAL_TABLE);
  } catch (error) {
    client.destroy();
    local.release();
    throw error;
  }
  return {
    store: new AggregateStore(client, LOCAL_TABLE, { retry: BATCH_RETRY_POLICY }),
    description: `embedded DynamoDB Local in ${path.relative(process.cwd(), dataDir) || '.'}`,
    close: async () => {
      client.destroy();
      local.release();
    },
  };
}
