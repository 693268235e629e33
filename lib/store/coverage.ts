import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AccessLogReading, TrailReading } from '../core/event-selectors';
import { withRetries } from '../core/retry';
import { coverageReadingItem, coverageReadingOf, type Key, keys, READ_AT } from './layout';
import type { Table } from './table';

/** The latest coverage readings (trail selectors, bucket access logging), one item each, in DynamoDB. */
export class CoverageStore {
  constructor(private readonly table: Table) {}

  saveTrail(reading: TrailReading): Promise<boolean> {
    return this.save(`selectors of trail ${reading.name}`, keys.trailReading(reading.trailArn), reading);
  }

  saveAccessLogs(reading: AccessLogReading): Promise<boolean> {
    return this.save(`access logging of ${reading.bucket}`, keys.accessLogReading(reading.bucket), reading);
  }

  async trails(): Promise<TrailReading[]> {
    const items = await this.table.query('trail readings', {
      pk: keys.coveragePartition,
      beginsWith: keys.trailReadingPrefix,
    });
    return items.map((item) => coverageReadingOf<TrailReading>(item));
  }

  async accessLogs(): Promise<AccessLogReading[]> {
    const items = await this.table.query('access-log readings', {
      pk: keys.coveragePartition,
      beginsWith: keys.accessLogReadingPrefix,
    });
    return items.map((item) => coverageReadingOf<AccessLogReading>(item));
  }

  /** A conditional put: an older reading never replaces a newer one, whichever process writes last. */
  private async save(what: string, key: Key, reading: TrailReading | AccessLogReading): Promise<boolean> {
    try {
      await withRetries(
        what,
        () =>
          this.table.client.send(
            new PutItemCommand({
              TableName: this.table.name,
              Item: marshall(coverageReadingItem(key, reading)),
              ConditionExpression: 'attribute_not_exists(pk) OR #readAt < :readAt',
              ExpressionAttributeNames: { '#readAt': READ_AT },
              ExpressionAttributeValues: { ':readAt': { S: reading.readAt } },
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
}
