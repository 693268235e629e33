import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { withRetries } from '../core/retry';
import { type Item, keys } from './layout';
import type { Table } from './table';

/** Versions of AWS's ip-ranges.json kept in the table, so every invocation classifies with the same one. */
export class RangesStore {
  constructor(
    private readonly table: Table,
    private readonly now: () => Date,
  ) {}

  /**
   * Stores a version (gzip, about 125 KB: one item holds it with room to spare) and makes it
   * current unless a newer one already is.
   * @returns whether it became the current version.
   */
  async save(version: { syncToken: string; createDate: string; gzippedJson: Uint8Array }): Promise<boolean> {
    const item = (which: string): Item => {
      const key = keys.ranges(which);
      return {
        pk: { S: key.pk },
        sk: { S: key.sk },
        syncToken: { N: version.syncToken },
        createDate: { S: version.createDate },
        data: { B: version.gzippedJson },
        savedAt: { S: this.now().toISOString() },
      };
    };
    await withRetries(
      'AWS ranges version',
      () => this.table.client.send(new PutItemCommand({ TableName: this.table.name, Item: item(version.syncToken) })),
      this.table.retry,
    );
    try {
      await withRetries(
        'current AWS ranges',
        () =>
          this.table.client.send(
            new PutItemCommand({
              TableName: this.table.name,
              Item: item('current'),
              ConditionExpression: 'attribute_not_exists(pk) OR syncToken < :token',
              ExpressionAttributeValues: { ':token': { N: version.syncToken } },
            }),
          ),
        this.table.retry,
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * A stored version: the current one, or the one with a given syncToken. `withData: false`
   * reads only the syncToken, to check cheaply whether a cached copy is current.
   */
  async load(
    which: 'current' | string,
    options: { withData?: boolean } = {},
  ): Promise<{ syncToken: string; gzippedJson?: Uint8Array } | undefined> {
    const key = keys.ranges(which);
    const result = await withRetries(
      'AWS ranges',
      () =>
        this.table.client.send(
          new GetItemCommand({
            TableName: this.table.name,
            Key: { pk: { S: key.pk }, sk: { S: key.sk } },
            ...(options.withData === false ? { ProjectionExpression: 'syncToken' } : {}),
          }),
        ),
      this.table.retry,
    );
    const stored = result.Item;
    if (!stored?.syncToken?.N) return undefined;
    return { syncToken: stored.syncToken.N, ...(stored.data?.B ? { gzippedJson: stored.data.B } : {}) };
  }
}
