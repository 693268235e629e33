import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { withRetries } from '../core/retry';
import { keys } from './layout';
import { noWrites, type Table } from './table';

export interface FailureRecord {
  logId: string;
  location: string;
  code: string;
  message: string;
  failedAt: string;
}

/** Logs that failed permanently, for `cleartrail failures` and `reprocess`. */
export class FailureLog {
  constructor(private readonly table: Table) {}

  async record(failure: FailureRecord): Promise<void> {
    const item = failureItem(failure);
    await withRetries(
      `failure record of ${failure.location}`,
      () => this.table.client.send(new PutItemCommand({ TableName: this.table.name, Item: item })),
      this.table.retry,
    );
  }

  /** Many records at once, 25 a call (the logs of a batch that cannot be completed). */
  async recordAll(failures: readonly FailureRecord[]): Promise<void> {
    await this.table.putAll('failure records', failures.map(failureItem), noWrites());
  }

  async clear(logId: string): Promise<void> {
    await withRetries(
      `failure record ${logId}`,
      () =>
        this.table.client.send(
          new DeleteItemCommand({ TableName: this.table.name, Key: marshall(keys.failure(logId)) }),
        ),
      this.table.retry,
    );
  }

  async list(): Promise<FailureRecord[]> {
    const items = await this.table.query('failure records', { pk: keys.failuresPartition });
    return items.map((item) => ({
      logId: String(item.sk),
      location: String(item.location),
      code: String(item.code),
      message: String(item.message),
      failedAt: String(item.failedAt),
    }));
  }
}

function failureItem(failure: FailureRecord) {
  return marshall({
    ...keys.failure(failure.logId),
    location: failure.location,
    code: failure.code,
    message: failure.message.slice(0, 2000),
    failedAt: failure.failedAt,
  });
}
