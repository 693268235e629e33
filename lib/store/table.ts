import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mapLimited } from '../core/concurrency';
import { CleartrailError, TransactionRejectedError, TransientError } from '../core/errors';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from '../core/retry';
import type { Item, Key } from './layout';

/**
 * Independent writes sent at once: the chunks of a batch touch disjoint items, so running a few
 * together hides the round trip without raising conflicts among themselves.
 */
export const PARALLEL_CALLS = 4;

/** DynamoDB allows 100 actions per transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;
const MAX_BATCH_WRITE = 25;
const MAX_BATCH_GET = 100;

/**
 * Writes as the store counts them. DynamoDB Local does not report the capacity transactions
 * consume, so write units are computed the way DynamoDB bills them: per started KB of each item
 * written, twice inside a transaction. For an update the size counted is that of what it adds,
 * a lower bound of the stored item's.
 */
export interface WriteCount {
  transactionalWrites: number;
  plainWrites: number;
  writeUnits: number;
}

export function noWrites(): WriteCount {
  return { transactionalWrites: 0, plainWrites: 0, writeUnits: 0 };
}

/** Cancellation reasons that a later attempt of the same transaction may not meet. */
const RETRYABLE_CANCELLATIONS = new Set([
  'None',
  'ConditionalCheckFailed',
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

/**
 * The DynamoDB I/O of the store: one table, with retries and capacity counting. Knows nothing
 * of what the items mean (layout.ts and the protocol modules do).
 */
export class Table {
  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
    readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  /**
   * Runs one transaction with retries. A cancellation for failed conditions is an answer, not an
   * error: it returns the indexes of the actions whose condition failed.
   */
  async transact(what: string, actions: TransactWriteItem[], writes: WriteCount): Promise<{ cancelledAt: number[] }> {
    return withRetries(
      what,
      async () => {
        try {
          await this.client.send(new TransactWriteItemsCommand({ TransactItems: actions }));
          for (const action of actions) {
            const written = action.Put?.Item ?? updatedAttributes(action);
            if (written === undefined) continue;
            writes.transactionalWrites++;
            writes.writeUnits += 2 * kilobytes(written);
          }
          return { cancelledAt: [] };
        } catch (error) {
          if ((error as Error).name === 'ValidationException') {
            throw new TransactionRejectedError(
              `${what}: DynamoDB rejected the transaction: ${(error as Error).message}`,
              error,
            );
          }
          const reasons = (error as { name?: string; CancellationReasons?: Array<{ Code?: string }> })
            .CancellationReasons;
          if ((error as Error).name !== 'TransactionCanceledException' || !reasons) throw error;
          const codes = reasons.map((reason) => reason.Code ?? 'None');
          if (codes.some((code) => code !== 'None' && code !== 'ConditionalCheckFailed')) {
            const retryable = codes.every((code) => RETRYABLE_CANCELLATIONS.has(code));
            const message = `${what}: transaction cancelled (${[...new Set(codes)].join(', ')})`;
            if (retryable) throw new TransientError(message, error);
            throw new CleartrailError(message, { retryable: false, cause: error });
          }
          return { cancelledAt: codes.flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : [])) };
        }
      },
      this.retry,
    );
  }

  /**
   * One unconditional UpdateItem, with retries: for idempotent updates only. Write units are
   * estimated from the update's own attributes, as for updates in transactions.
   */
  async update(
    what: string,
    update: Omit<UpdateItemCommandInput, 'TableName'> & { Key: Item; UpdateExpression: string },
    writes: WriteCount,
    options: { ignoreFailedCondition?: boolean } = {},
  ): Promise<void> {
    await withRetries(
      what,
      async () => {
        try {
          await this.client.send(new UpdateItemCommand({ TableName: this.name, ...update }));
        } catch (error) {
          if (options.ignoreFailedCondition && (error as Error).name === 'ConditionalCheckFailedException') return;
          throw error;
        }
        writes.plainWrites++;
        writes.writeUnits += kilobytes(
          updatedAttributes({ Update: { TableName: this.name, ...update } }) ?? update.Key,
        );
      },
      this.retry,
    );
  }

  /** Puts items outside any transaction, 25 a call and a few calls at once, until none is left unprocessed. */
  async putAll(what: string, items: readonly Item[], writes: WriteCount): Promise<void> {
    const slices: Item[][] = [];
    for (let start = 0; start < items.length; start += MAX_BATCH_WRITE)
      slices.push(items.slice(start, start + MAX_BATCH_WRITE));
    await mapLimited(slices, PARALLEL_CALLS, async (slice) => {
      let requests = slice.map((Item) => ({ PutRequest: { Item } }));
      // BatchWriteItem answers throttling with UnprocessedItems rather than an error; withRetries
      // backs off on the TransientError this throws while some are left.
      await withRetries(
        what,
        async () => {
          const result = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.name]: requests } }));
          const unprocessed = (result.UnprocessedItems?.[this.name] ?? []) as typeof requests;
          // The SDK answers with copies of the items, so they are matched by key, not by identity.
          const left = new Set(unprocessed.map((request) => keyOf(request.PutRequest?.Item)));
          for (const request of requests) {
            if (left.has(keyOf(request.PutRequest.Item))) continue;
            writes.plainWrites++;
            writes.writeUnits += kilobytes(request.PutRequest.Item);
          }
          requests = unprocessed;
          if (requests.length > 0) throw new TransientError(`${what}: ${requests.length} puts left unprocessed`);
        },
        this.retry,
      );
    });
  }

  /** Strongly consistent reads of many items; absent ones are missing from the map (keyed `pk\nsk`). */
  async getAll(what: string, keys: readonly Key[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const unique = [...new Map(keys.map((key) => [`${key.pk}\n${key.sk}`, key])).values()];
    for (let start = 0; start < unique.length; start += MAX_BATCH_GET) {
      let pending: Array<Record<string, AttributeValue>> = unique
        .slice(start, start + MAX_BATCH_GET)
        .map((key) => ({ pk: { S: key.pk }, sk: { S: key.sk } }));
      await withRetries(
        what,
        async () => {
          const result = await this.client.send(
            new BatchGetItemCommand({ RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } } }),
          );
          for (const item of result.Responses?.[this.name] ?? []) {
            const plain = unmarshall(item);
            found.set(`${plain.pk}\n${plain.sk}`, plain);
          }
          pending = result.UnprocessedKeys?.[this.name]?.Keys ?? [];
          if (pending.length > 0) throw new TransientError(`${what}: ${pending.length} reads left unprocessed`);
        },
        this.retry,
      );
    }
    return found;
  }

  /**
   * The items of one partition of a global secondary index whose sort key is below a value, as
   * the index projects them (eventually consistent, as every index read).
   */
  async queryIndex(
    what: string,
    query: { index: string; partition: [string, string]; sortBefore: [string, string] },
  ): Promise<Array<Record<string, unknown>>> {
    return this.allPages(what, {
      TableName: this.name,
      IndexName: query.index,
      KeyConditionExpression: '#p = :p AND #s < :before',
      ExpressionAttributeNames: { '#p': query.partition[0], '#s': query.sortBefore[0] },
      ExpressionAttributeValues: { ':p': { S: query.partition[1] }, ':before': { S: query.sortBefore[1] } },
    });
  }

  /** Every item of a partition, or of a sort-key range of it, as plain values. */
  async query(
    what: string,
    query: { pk: string; between?: [string, string]; beginsWith?: string; consistent?: boolean },
  ): Promise<Array<Record<string, unknown>>> {
    const condition = query.between
      ? 'pk = :pk AND sk BETWEEN :from AND :to'
      : query.beginsWith !== undefined
        ? 'pk = :pk AND begins_with(sk, :prefix)'
        : 'pk = :pk';
    return this.allPages(what, {
      TableName: this.name,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: {
        ':pk': { S: query.pk },
        ...(query.between ? { ':from': { S: query.between[0] }, ':to': { S: query.between[1] } } : {}),
        ...(query.beginsWith !== undefined ? { ':prefix': { S: query.beginsWith } } : {}),
      },
      ConsistentRead: query.consistent ?? false,
    });
  }

  /** Every page of a Query, its items as plain values. */
  private async allPages(what: string, input: QueryCommandInput): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await withRetries(
        what,
        () => this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })),
        this.retry,
      );
      for (const item of page.Items ?? []) items.push(unmarshall(item, { wrapNumbers: false }));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

function keyOf(item: Item | undefined): string {
  return `${item?.pk?.S}\n${item?.sk?.S}`;
}

function updatedAttributes(action: TransactWriteItem): Item | undefined {
  const update = action.Update;
  if (!update) return undefined;
  const named: Item = { ...update.Key };
  for (const [placeholder, value] of Object.entries(update.ExpressionAttributeValues ?? {})) {
    const name = update.ExpressionAttributeNames?.[placeholder.replace(':v', '#n')] ?? placeholder;
    named[name] = value;
  }
  return named;
}

/** Started kilobytes of an item, as DynamoDB sizes it: attribute names plus values. */
function kilobytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueBytes(value);
  return Math.max(1, Math.ceil(bytes / 1024));
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, text) => sum + Math.ceil(text.length / 2) + 1, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value.M !== undefined) {
    return (
      3 +
      Object.entries(value.M).reduce(
        (sum, [name, element]) => sum + 1 + Buffer.byteLength(name) + valueBytes(element),
        0,
      )
    );
  }
  return 1;
}
