import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { Aggregate, type ItemDelta, type LogAggregate } from './aggregate';
import { CleartrailError, TransientError } from './errors';
import type { S3Request } from './request';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from './retry';
import {
  BUCKET_INDEX_PK,
  bucketIndexKey,
  CHUNK_PREFIX,
  CLAIM_SK,
  DONE_SK,
  EXPIRES_AT,
  FAILURES_PK,
  LOG_PREFIX,
  RANGES_CURRENT_SK,
  RANGES_PK,
  RANGES_SYNC_TOKENS,
  SEEN,
  SHARED_PREFIX,
} from './schema';

/** DynamoDB allows 100 actions per transaction: 99 deltas and the chunk's ledger item. */
const MAX_TRANSACTION_ACTIONS = 100;
/** A shared request adds a claim and at most two deltas (its hour and its client). */
const CLAIMS_PER_TRANSACTION = 33;
const DAY = 86_400;

export interface StoreOptions {
  /** Deltas per transaction, at most 99. Smaller chunks conflict less, larger ones cost fewer ledger writes. */
  chunkSize?: number;
  retry?: RetryPolicy;
  /** How long chunk ledger items outlive their file's processing; the DONE item stays. */
  ledgerTtlDays?: number;
  /** How long a cross-account claim waits for the other copy of its event. */
  claimTtlDays?: number;
  now?: () => Date;
}

export interface LogIdentity {
  /** Stable id of the log file's content (see logIdFor in pipeline.ts). */
  id: string;
  /** Where it was read from, for the operator: `s3://bucket/key` or a file name. */
  location: string;
}

export interface StoreOutcome {
  status: 'counted' | 'already-counted';
  chunks: number;
  /** Chunks another invocation (or an earlier attempt) had already written. */
  chunksSkipped: number;
  claimsWon: number;
  /** Cross-account requests whose other copy was counted first. */
  claimsLost: number;
  /** Write capacity units consumed, as DynamoDB reports them (DynamoDB Local under-reports transactions). */
  writeUnits: number;
  /** Items written inside transactions (ledger items and claims included): 2 write units per KB each. */
  transactionalWrites: number;
  /** Items written outside transactions (DONE marker, bucket index): 1 write unit per KB each. */
  plainWrites: number;
}

export interface FailureRecord {
  logId: string;
  location: string;
  code: string;
  message: string;
  failedAt: string;
}

/**
 * The only module that talks to DynamoDB. Counts every log file exactly once, whatever the
 * history of its deliveries:
 *
 * 1. The deltas of the file's own requests are sorted and cut into chunks; chunk n is
 *    written in one transaction together with a conditional put of the ledger item
 *    `LOG#<id>/CHUNK#n`. A transaction is all or nothing, so a chunk counts exactly when its
 *    ledger item exists, and a retry, a duplicate or a concurrent invocation that finds the
 *    ledger item skips the chunk. Every chunk's ledger item carries the fingerprint of the
 *    whole plan, so a retry that would cut different chunks is refused instead of counted.
 * 2. Requests that carry a `sharedEventID` (cross-account calls, delivered to both
 *    accounts in different files) are counted with a conditional claim `SHARED#<id>` in the
 *    same transaction as their deltas: the first copy to claim counts, any later copy drops.
 * 3. A final `LOG#<id>/DONE` item makes any later delivery a single read.
 */
export class AggregateStore {
  private readonly chunkSize: number;
  private readonly retry: RetryPolicy;
  private readonly ledgerTtl: number;
  private readonly claimTtl: number;
  private readonly now: () => Date;
  private readonly indexedBuckets = new Set<string>();

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    options: StoreOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? MAX_TRANSACTION_ACTIONS - 1;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1 || this.chunkSize > MAX_TRANSACTION_ACTIONS - 1) {
      throw new RangeError(
        `chunkSize must be an integer from 1 to ${MAX_TRANSACTION_ACTIONS - 1}, got ${this.chunkSize}`,
      );
    }
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.ledgerTtl = (options.ledgerTtlDays ?? 30) * DAY;
    this.claimTtl = (options.claimTtlDays ?? 90) * DAY;
    this.now = options.now ?? (() => new Date());
  }

  /** Adds a log file's aggregate to the table, exactly once per log id. */
  async recordLog(log: LogIdentity, aggregate: LogAggregate, syncToken: string): Promise<StoreOutcome> {
    const outcome: StoreOutcome = {
      status: 'counted',
      chunks: 0,
      chunksSkipped: 0,
      claimsWon: 0,
      claimsLost: 0,
      writeUnits: 0,
      transactionalWrites: 0,
      plainWrites: 0,
    };
    const ledger = await this.readLedger(log.id);
    if (ledger.done) return { ...outcome, status: 'already-counted' };

    const chunks = chunk(aggregate.plain.deltas(), this.chunkSize);
    const fingerprint = planFingerprint(chunks);
    outcome.chunks = chunks.length;
    for (const [number, fingerprintWritten] of ledger.chunks) {
      if (fingerprintWritten !== fingerprint) throw inconsistentPlan(log, number);
    }

    const buckets = new Set([...aggregate.plain.buckets(), ...aggregate.shared.map((request) => request.bucket)]);
    await this.indexBuckets(buckets, outcome);

    for (const [number, deltas] of chunks.entries()) {
      if (ledger.chunks.has(number)) {
        outcome.chunksSkipped++;
        continue;
      }
      const ledgerItem: Record<string, AttributeValue> = {
        pk: { S: LOG_PREFIX + log.id },
        sk: { S: chunkSortKey(number) },
        fingerprint: { S: fingerprint },
        chunks: { N: String(chunks.length) },
        rangesSyncToken: { S: syncToken },
        location: { S: log.location },
        [EXPIRES_AT]: { N: String(this.epochSeconds() + this.ledgerTtl) },
      };
      const written = await this.transact(`chunk ${number} of ${log.location}`, [
        { Put: { TableName: this.tableName, Item: ledgerItem, ConditionExpression: 'attribute_not_exists(pk)' } },
        ...deltas.map((delta) => this.updateAction(delta)),
      ]);
      if (written.cancelledAt.includes(0)) {
        outcome.chunksSkipped++;
      } else {
        outcome.writeUnits += written.writeUnits;
        outcome.transactionalWrites += deltas.length + 1;
      }
    }

    await this.recordSharedRequests(log, aggregate.shared, syncToken, outcome);

    const done = await withRetries(
      `DONE marker of ${log.location}`,
      () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              pk: { S: LOG_PREFIX + log.id },
              sk: { S: DONE_SK },
              location: { S: log.location },
              processedAt: { S: this.now().toISOString() },
              s3Records: { N: String(aggregate.summary.s3Records) },
              requests: { N: String(aggregate.summary.requests) },
              chunks: { N: String(chunks.length) },
              rangesSyncToken: { S: syncToken },
            },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      this.retry,
    );
    outcome.writeUnits += done.ConsumedCapacity?.CapacityUnits ?? 0;
    outcome.plainWrites++;
    return outcome;
  }

  /**
   * Whether a log id is counted completely, and which AWS ranges an earlier, unfinished attempt
   * classified it with (a retry must use the same ones to cut the same chunks).
   */
  async ledgerState(logId: string): Promise<{ done: boolean; rangesSyncToken?: string }> {
    const ledger = await this.readLedger(logId);
    return { done: ledger.done, ...(ledger.rangesSyncToken ? { rangesSyncToken: ledger.rangesSyncToken } : {}) };
  }

  /**
   * Stores a version of ip-ranges.json (gzip, about 125 KB: one item holds it with room to
   * spare) and makes it current unless a newer one already is.
   * @returns whether it became the current version.
   */
  async saveIpRanges(version: { syncToken: string; createDate: string; gzippedJson: Uint8Array }): Promise<boolean> {
    const item = (sk: string): Record<string, AttributeValue> => ({
      pk: { S: RANGES_PK },
      sk: { S: sk },
      syncToken: { N: version.syncToken },
      createDate: { S: version.createDate },
      data: { B: version.gzippedJson },
      savedAt: { S: this.now().toISOString() },
    });
    await withRetries(
      'AWS ranges version',
      () => this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item(version.syncToken) })),
      this.retry,
    );
    try {
      await withRetries(
        'current AWS ranges',
        () =>
          this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: item(RANGES_CURRENT_SK),
              ConditionExpression: 'attribute_not_exists(pk) OR syncToken < :token',
              ExpressionAttributeValues: { ':token': { N: version.syncToken } },
            }),
          ),
        this.retry,
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * A stored version of ip-ranges.json: the current one, or the one with a given syncToken.
   * `withData: false` reads only the syncToken, to check cheaply whether a cached copy is current.
   */
  async loadIpRanges(
    which: 'current' | string,
    options: { withData?: boolean } = {},
  ): Promise<{ syncToken: string; gzippedJson?: Uint8Array } | undefined> {
    const result = await withRetries(
      'AWS ranges',
      () =>
        this.client.send(
          new GetItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: RANGES_PK }, sk: { S: which === 'current' ? RANGES_CURRENT_SK : which } },
            ...(options.withData === false ? { ProjectionExpression: 'syncToken' } : {}),
          }),
        ),
      this.retry,
    );
    const item = result.Item;
    if (!item?.syncToken?.N) return undefined;
    return { syncToken: item.syncToken.N, ...(item.data?.B ? { gzippedJson: item.data.B } : {}) };
  }

  async recordFailure(failure: FailureRecord): Promise<void> {
    await withRetries(
      `failure record of ${failure.location}`,
      () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              pk: { S: FAILURES_PK },
              sk: { S: failure.logId },
              location: { S: failure.location },
              code: { S: failure.code },
              message: { S: failure.message.slice(0, 2000) },
              failedAt: { S: failure.failedAt },
            },
          }),
        ),
      this.retry,
    );
  }

  async clearFailure(logId: string): Promise<void> {
    await withRetries(
      `failure record ${logId}`,
      () =>
        this.client.send(
          new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: FAILURES_PK }, sk: { S: logId } } }),
        ),
      this.retry,
    );
  }

  async listFailures(): Promise<FailureRecord[]> {
    const items = await this.queryAll({ pk: FAILURES_PK });
    return items.map((item) => ({
      logId: String(item.sk),
      location: String(item.location),
      code: String(item.code),
      message: String(item.message),
      failedAt: String(item.failedAt),
    }));
  }

  /** Buckets that have aggregates, sorted by name. */
  async listBuckets(): Promise<string[]> {
    const items = await this.queryAll({ pk: BUCKET_INDEX_PK });
    return items.map((item) => String(item.sk));
  }

  /**
   * Items of one bucket whose sort key lies between two values (inclusive), e.g.
   * `HOUR#2026-11-19T00` and `HOUR#2026-11-26T23`. Attributes come back as plain values.
   */
  async bucketItems(bucket: string, fromSortKey: string, toSortKey: string): Promise<PlainItem[]> {
    return this.queryAll({ pk: `BUCKET#${bucket}`, between: [fromSortKey, toSortKey] });
  }

  private async readLedger(
    logId: string,
  ): Promise<{ done: boolean; chunks: Map<number, string>; rangesSyncToken?: string }> {
    const items = await this.queryAll({ pk: LOG_PREFIX + logId, consistent: true });
    const chunks = new Map<number, string>();
    let done = false;
    let rangesSyncToken: string | undefined;
    for (const item of items) {
      const sortKey = String(item.sk);
      if (sortKey === DONE_SK) done = true;
      else if (sortKey.startsWith(CHUNK_PREFIX)) {
        chunks.set(Number(sortKey.slice(CHUNK_PREFIX.length)), String(item.fingerprint));
        rangesSyncToken = String(item.rangesSyncToken);
      }
    }
    return { done, chunks, rangesSyncToken };
  }

  private async recordSharedRequests(
    log: LogIdentity,
    shared: readonly S3Request[],
    syncToken: string,
    outcome: StoreOutcome,
  ): Promise<void> {
    const ordered = [...shared].sort((a, b) => compare(a.sharedEventId ?? '', b.sharedEventId ?? ''));
    for (let start = 0; start < ordered.length; start += CLAIMS_PER_TRANSACTION) {
      let pending = ordered.slice(start, start + CLAIMS_PER_TRANSACTION);
      // Each round either commits or learns which claims another copy holds; it drops
      // those and tries again with the rest, so it ends in at most batch-size rounds.
      while (pending.length > 0) {
        const batch = new Aggregate(syncToken);
        for (const request of pending) batch.add(request);
        const claims: TransactWriteItem[] = pending.map((request) => ({
          Put: {
            TableName: this.tableName,
            Item: {
              pk: { S: SHARED_PREFIX + request.sharedEventId },
              sk: { S: CLAIM_SK },
              location: { S: log.location },
              [EXPIRES_AT]: { N: String(this.epochSeconds() + this.claimTtl) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }));
        const written = await this.transact(`cross-account requests of ${log.location}`, [
          ...claims,
          ...batch.deltas().map((delta) => this.updateAction(delta)),
        ]);
        if (written.cancelledAt.length === 0) {
          outcome.claimsWon += pending.length;
          outcome.writeUnits += written.writeUnits;
          outcome.transactionalWrites += claims.length + batch.size;
          break;
        }
        const lost = new Set(written.cancelledAt.filter((index) => index < pending.length));
        if (lost.size === 0) {
          throw new CleartrailError(`${log.location}: an aggregate update failed its condition`, { retryable: false });
        }
        outcome.claimsLost += lost.size;
        pending = pending.filter((_, index) => !lost.has(index));
      }
    }
  }

  /**
   * Runs one transaction with retries. A cancellation for failed conditions is an answer,
   * not an error: it returns the indexes of the actions whose condition failed.
   */
  private async transact(
    what: string,
    actions: TransactWriteItem[],
  ): Promise<{ cancelledAt: number[]; writeUnits: number }> {
    return withRetries(
      what,
      async () => {
        try {
          const result = await this.client.send(
            new TransactWriteItemsCommand({ TransactItems: actions, ReturnConsumedCapacity: 'TOTAL' }),
          );
          const writeUnits = (result.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
          return { cancelledAt: [], writeUnits };
        } catch (error) {
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
          return {
            cancelledAt: codes.flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : [])),
            writeUnits: 0,
          };
        }
      },
      this.retry,
    );
  }

  private updateAction(delta: ItemDelta): TransactWriteItem {
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = {};
    const adds: string[] = [];
    const sets: string[] = [];
    let n = 0;
    for (const [name, amount] of Object.entries(delta.counters)) {
      names[`#n${n}`] = name;
      values[`:v${n}`] = { N: String(amount) };
      adds.push(`#n${n} :v${n}`);
      n++;
    }
    const seen = [...new Set(delta.seen)];
    if (seen.length > 0) {
      names[`#n${n}`] = SEEN;
      values[`:v${n}`] = { NS: seen.map(String) };
      adds.push(`#n${n} :v${n}`);
      n++;
    }
    if (delta.syncTokens.length > 0) {
      names[`#n${n}`] = RANGES_SYNC_TOKENS;
      values[`:v${n}`] = { SS: [...new Set(delta.syncTokens)] };
      adds.push(`#n${n} :v${n}`);
      n++;
    }
    for (const [name, value] of Object.entries(delta.attributes)) {
      names[`#n${n}`] = name;
      values[`:v${n}`] = { S: value };
      sets.push(`#n${n} = if_not_exists(#n${n}, :v${n})`);
      n++;
    }
    const expression = [
      adds.length > 0 ? `ADD ${adds.join(', ')}` : '',
      sets.length > 0 ? `SET ${sets.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return {
      Update: {
        TableName: this.tableName,
        Key: { pk: { S: delta.pk }, sk: { S: delta.sk } },
        UpdateExpression: expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * The bucket index only names buckets, so a plain idempotent put is enough: it needs no
   * ledger and stays out of the transactions, where every file would conflict on it.
   */
  private async indexBuckets(buckets: Iterable<string>, outcome: StoreOutcome): Promise<void> {
    const pending = [...buckets].filter((bucket) => !this.indexedBuckets.has(bucket));
    for (let start = 0; start < pending.length; start += 25) {
      let requests = pending.slice(start, start + 25).map((bucket) => ({
        PutRequest: { Item: { pk: { S: bucketIndexKey(bucket).pk }, sk: { S: bucket } } },
      }));
      // BatchWriteItem answers throttling with UnprocessedItems rather than an error.
      for (let attempt = 1; requests.length > 0; attempt++) {
        if (attempt > this.retry.attempts) {
          throw new TransientError(
            `bucket index: ${requests.length} puts still unprocessed after ${this.retry.attempts} attempts`,
          );
        }
        if (attempt > 1)
          await new Promise((resolve) => setTimeout(resolve, Math.random() * this.retry.baseDelayMs * 2 ** attempt));
        const batch = requests;
        const result = await withRetries(
          'bucket index',
          () =>
            this.client.send(
              new BatchWriteItemCommand({ RequestItems: { [this.tableName]: batch }, ReturnConsumedCapacity: 'TOTAL' }),
            ),
          this.retry,
        );
        const unprocessed = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        outcome.writeUnits += (result.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        outcome.plainWrites += batch.length - unprocessed.length;
        requests = unprocessed;
      }
    }
    for (const bucket of pending) this.indexedBuckets.add(bucket);
  }

  private async queryAll(query: {
    pk: string;
    between?: [string, string];
    consistent?: boolean;
  }): Promise<PlainItem[]> {
    const items: PlainItem[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.tableName,
        KeyConditionExpression: query.between ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': { S: query.pk },
          ...(query.between ? { ':from': { S: query.between[0] }, ':to': { S: query.between[1] } } : {}),
        },
        ConsistentRead: query.consistent ?? false,
        ExclusiveStartKey: startKey,
      };
      const page = await withRetries(`query ${query.pk}`, () => this.client.send(new QueryCommand(input)), this.retry);
      for (const item of page.Items ?? []) items.push(plainItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private epochSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}

/** An item with its attributes as strings, numbers and arrays. */
export type PlainItem = Record<string, string | number | string[] | number[] | boolean>;

function plainItem(item: Record<string, AttributeValue>): PlainItem {
  const plain: PlainItem = {};
  for (const [name, value] of Object.entries(item)) {
    if (value.S !== undefined) plain[name] = value.S;
    else if (value.N !== undefined) plain[name] = Number(value.N);
    else if (value.NS !== undefined) plain[name] = value.NS.map(Number);
    else if (value.SS !== undefined) plain[name] = value.SS;
    else if (value.BOOL !== undefined) plain[name] = value.BOOL;
  }
  return plain;
}

const RETRYABLE_CANCELLATIONS = new Set([
  'None',
  'ConditionalCheckFailed',
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function chunkSortKey(number: number): string {
  return CHUNK_PREFIX + String(number).padStart(5, '0');
}

/** A hash of the chunks in a canonical form (keys sorted), so the same file always gives the same value. */
function planFingerprint(chunks: readonly ItemDelta[][]): string {
  const hash = createHash('sha256');
  for (const deltas of chunks) {
    hash.update('|chunk');
    for (const delta of deltas) hash.update(JSON.stringify(delta, sortedKeysReplacer));
  }
  return hash.digest('base64url');
}

function sortedKeysReplacer(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => compare(a, b)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function inconsistentPlan(log: LogIdentity, chunkNumber: number): CleartrailError {
  return new CleartrailError(
    `${log.location}: chunk ${chunkNumber} was counted by an earlier attempt that cut the file differently ` +
      '(the AWS ranges or the named networks changed in between); the rest is not counted, to avoid mixing two plans',
    { retryable: false },
  );
}

/**
 * Creates the table as serverless.yml declares it (for the embedded DynamoDB Local and tests;
 * a deployed table comes from CloudFormation). Does nothing when it exists.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    return;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: EXPIRES_AT, Enabled: true },
    }),
  );
}
