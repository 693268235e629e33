import { createHash, randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mapLimited } from '../core/concurrency';
import { CleartrailError, TransactionRejectedError, UnrecoverableBatchError } from '../core/errors';
import type { SharedRequestTallies } from '../core/tally';
import { counter, mergeTallies, type Tally } from '../core/tally';
import { FailureLog } from './failures';
import { EXPIRES_AT, type Item, keys, OPEN_BATCHES, tallyUpdate } from './layout';
import { type FirstSeenOutcome, recordFirstSeen } from './new-clients';
import { MAX_TRANSACTION_ACTIONS, noWrites, PARALLEL_CALLS, type Table, type WriteCount } from './table';

/** The claim transaction holds the intent header and one claim per log. */
export const MAX_LOGS_PER_BATCH = MAX_TRANSACTION_ACTIONS - 1;
/** A shared request adds a claim and at most two tallies (its hour and its client). */
const CLAIMS_PER_TRANSACTION = 33;
/**
 * Cross-account claims are kept this long after their event's hour: a year of backfill, plus a
 * 35-day margin for clock skew and for a backfill that takes weeks. Copies processed later may
 * count twice (README, "Exactly once").
 */
export const DEFAULT_CLAIM_TTL_DAYS = 400;
/** Intent parts stay well under DynamoDB's 400 KB item limit. */
const INTENT_PART_BYTES = 300 * 1024;
const DAY = 86_400;
/**
 * An intent counts as gone this long before its parts' `expiresAt`, by the reader's clock: TTL
 * deletes nothing before `expiresAt`, so a reader whose clock is less than a day behind never
 * meets a part that TTL took.
 */
const INTENT_EXPIRY_MARGIN = DAY;
/**
 * `APPLIED` markers expire this long after the parts of their intent (from the stored expiry, not
 * from the applier's clock), so TTL cannot leave a part whose chunk forgot it was applied.
 */
const MARKER_EXTRA = 7 * DAY;
/** Failure code of the logs of a batch that cannot be completed. */
export const UNRECOVERABLE_BATCH = 'batch-unrecoverable';

export interface LedgerOptions {
  /** Tallies per transaction, at most 99. Smaller chunks conflict less, larger ones cost fewer markers. */
  chunkSize?: number;
  /** How long a batch's intent and progress markers are kept; a claimed log must be completed within it. */
  intentTtlDays?: number;
  /** How long after its event's hour a cross-account claim is kept, waiting for the other copy. */
  claimTtlDays?: number;
  now?: () => Date;
}

/** A log a batch commits, with what its DONE entry records. */
export interface LogEntry {
  id: string;
  location: string;
  s3Records: number;
  requests: number;
}

/** The merged work of a batch of logs: what the claim transaction makes durable before anything counts. */
export interface BatchPlan {
  logs: LogEntry[];
  tallies: Tally[];
  shared: SharedRequestTallies[];
}

export type LedgerState = { state: 'new' } | { state: 'done' } | { state: 'claimed'; batchId: string };

export interface BatchOutcome extends WriteCount {
  batchId: string;
  chunks: number;
  /** Chunks another applier of the same intent had already written. */
  chunksSkipped: number;
  claimsWon: number;
  /** Cross-account requests whose other copy was counted first. */
  claimsLost: number;
  /** The batch's plain-HTTP clients that no earlier batch had seen on their bucket (first-seen.ts). */
  firstSeen: FirstSeenOutcome;
}

export type CommitResult =
  | { status: 'committed'; outcome: BatchOutcome }
  /** Some logs were claimed by another batch since their state was read; nothing was counted. */
  | { status: 'conflict'; taken: string[]; writes: WriteCount };

interface StoredIntent {
  logs: LogEntry[];
  tallies: Tally[];
  shared: SharedRequestTallies[];
  chunkSize: number;
}

/** An intent as applying needs it: its chunks as `APPLIED` markers number them, and when its parts expire. */
interface Intent {
  logs: LogEntry[];
  chunks: Tally[][];
  shared: SharedRequestTallies[];
  /** Epoch seconds: the `expiresAt` of the intent's parts. */
  expiresAt: number;
}

/** What `recover` did with the open batches older than its grace period. */
export interface RecoveryReport {
  /** Open batches the index listed before the cutoff. */
  found: number;
  completed: Array<{ batchId: string; logs: number; chunksApplied: number }>;
  /** Batches that cannot be completed; their logs are recorded under FAILURES. */
  failed: Array<{ batchId: string; logs: Array<{ id: string; location: string }>; reason: string }>;
}

/**
 * The exactly-once protocol: a batch of logs counts once, whatever crashes, retries, duplicate
 * deliveries or overlapping batches happen.
 *
 * 1. **Intent.** The batch's merged tallies are written, gzipped, as `PART` items of a fresh
 *    batch id. Nothing points to them yet, so a crash here leaves only garbage that TTL removes.
 * 2. **Claim.** One transaction puts the intent header and, for every log, its ledger entry in
 *    state `claimed` by this batch, each on condition that the log has no entry. From here the
 *    logs' counts are decided: they are exactly the stored intent.
 * 3. **Apply.** The tallies are cut into chunks in the stored order; chunk n is added in one
 *    transaction with a conditional put of its `APPLIED` marker, so each chunk adds once
 *    whoever applies it. Cross-account requests follow, each with a conditional claim of its
 *    sharedEventID in the same transaction: the first copy to claim counts.
 * 4. **Done.** The intent header is marked `done`: one write for the whole batch. A log's entry
 *    stays `claimed` by the batch, and a log is done when its batch is; the header is kept
 *    (without the TTL of the parts) so that this stays true.
 *
 * Anyone who meets a log `claimed` by a batch (a retry, a duplicate delivery, another batch)
 * completes that batch from its stored intent with steps 3 and 4, never re-reading a log; since
 * applying is idempotent, two of them doing it at once is harmless.
 */
export class Ledger {
  private readonly chunkSize: number;
  private readonly intentTtl: number;
  private readonly claimTtl: number;
  private readonly now: () => Date;
  private readonly failures: FailureLog;

  constructor(
    private readonly table: Table,
    options: LedgerOptions = {},
  ) {
    this.failures = new FailureLog(table);
    this.chunkSize = options.chunkSize ?? MAX_TRANSACTION_ACTIONS - 1;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1 || this.chunkSize > MAX_TRANSACTION_ACTIONS - 1) {
      throw new RangeError(
        `chunkSize must be an integer from 1 to ${MAX_TRANSACTION_ACTIONS - 1}, got ${this.chunkSize}`,
      );
    }
    this.intentTtl = (options.intentTtlDays ?? 30) * DAY;
    this.claimTtl = (options.claimTtlDays ?? DEFAULT_CLAIM_TTL_DAYS) * DAY;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Where each log stands: strongly consistent reads of the logs' entries, then of the headers of
   * the batches that claimed them, 100 keys a call.
   */
  async states(logIds: readonly string[]): Promise<Map<string, LedgerState>> {
    const found = await this.table.getAll(
      'ledger entries',
      logIds.map((id) => keys.log(id)),
    );
    const entryOf = (id: string) => {
      const key = keys.log(id);
      return found.get(`${key.pk}\n${key.sk}`);
    };
    const batchIds = new Set<string>();
    for (const id of logIds) {
      const entry = entryOf(id);
      if (entry?.state === 'claimed') batchIds.add(String(entry.batch));
    }
    const headers = await this.table.getAll(
      'batch headers',
      [...batchIds].map((batchId) => keys.intent(batchId)),
    );
    const states = new Map<string, LedgerState>();
    for (const id of logIds) {
      const entry = entryOf(id);
      if (entry === undefined) {
        states.set(id, { state: 'new' });
        continue;
      }
      // Entries written before batches existed have no state, and entries of the first batch
      // commits were rewritten `done`: both are done.
      if (entry.state !== 'claimed') {
        states.set(id, { state: 'done' });
        continue;
      }
      const batchId = String(entry.batch);
      const header = headers.get(`${keys.intent(batchId).pk}\n${keys.intent(batchId).sk}`);
      states.set(id, header?.state === 'done' ? { state: 'done' } : { state: 'claimed', batchId });
    }
    return states;
  }

  /** Steps 1 to 4 for a plan of new logs. */
  async commit(plan: BatchPlan): Promise<CommitResult> {
    if (plan.logs.length === 0 || plan.logs.length > MAX_LOGS_PER_BATCH) {
      throw new RangeError(`a batch holds 1 to ${MAX_LOGS_PER_BATCH} logs, got ${plan.logs.length}`);
    }
    const writes = noWrites();
    const batchId = randomUUID();
    const stored: StoredIntent = { ...plan, chunkSize: this.chunkSize };
    const payload = gzipSync(JSON.stringify(stored));
    const expiresAt = this.expiry(this.intentTtl);
    const parts: Item[] = [];
    for (let start = 0, part = 0; start < payload.length || part === 0; start += INTENT_PART_BYTES, part++) {
      parts.push({
        ...marshall(keys.intentPart(batchId, part)),
        data: { B: payload.subarray(start, start + INTENT_PART_BYTES) },
        [EXPIRES_AT]: { N: String(expiresAt) },
      });
    }
    await this.table.putAll(`intent of batch ${batchId}`, parts, writes);

    const claimedAt = this.now().toISOString();
    // No TTL on the header: once done, it is what says that its logs are done. It names its logs
    // so that a batch whose intent is gone can still say which logs it leaves half-counted, and
    // it is in the open-batches index until the done mark removes the index key.
    const header: TransactWriteItem = {
      Put: {
        TableName: this.table.name,
        Item: marshall({
          ...keys.intent(batchId),
          state: 'claimed',
          parts: parts.length,
          digest: createHash('sha256').update(payload).digest('base64url'),
          logCount: plan.logs.length,
          logs: plan.logs.map((log) => ({ id: log.id, location: log.location })),
          [OPEN_BATCHES.partitionKey]: OPEN_BATCHES.open,
          [OPEN_BATCHES.sortKey]: claimedAt,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const claims: TransactWriteItem[] = plan.logs.map((log) => ({
      Put: {
        TableName: this.table.name,
        Item: marshall({
          ...keys.log(log.id),
          state: 'claimed',
          batch: batchId,
          location: log.location,
          claimedAt,
          s3Records: log.s3Records,
          requests: log.requests,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    let claimed: { cancelledAt: number[] };
    try {
      claimed = await this.table.transact(`claim of batch ${batchId}`, [header, ...claims], writes);
    } catch (error) {
      // Nothing is claimed: the logs fail alone, and a later delivery meets the same refusal.
      if (error instanceof TransactionRejectedError) await this.giveUp(batchId, plan.logs, error.message, error);
      throw error;
    }
    // The header's condition fails only when an earlier attempt of this very transaction
    // succeeded and its answer was lost: the batch id is fresh, nobody else writes it.
    if (claimed.cancelledAt.length > 0 && !claimed.cancelledAt.includes(0)) {
      const taken = claimed.cancelledAt.map((index) => plan.logs[index - 1]?.id as string);
      return { status: 'conflict', taken, writes };
    }
    const intent: Intent = {
      logs: plan.logs,
      chunks: chunksOf(plan.tallies, this.chunkSize),
      shared: plan.shared,
      expiresAt,
    };
    const outcome = await this.apply(batchId, intent, writes);
    return { status: 'committed', outcome };
  }

  /**
   * Marks logs done that were counted somewhere else and brought in as a whole (`store export`):
   * idempotent plain puts, so that a later delivery of the same log counts nothing.
   */
  async recordCountedElsewhere(logs: readonly LogEntry[], batchId: string): Promise<void> {
    const at = this.now().toISOString();
    const items = logs.map((log) =>
      marshall({ ...keys.log(log.id), state: 'exported', batch: batchId, location: log.location, exportedAt: at }),
    );
    await this.table.putAll('ledger entries of exported logs', items, noWrites());
  }

  /**
   * Completes a batch that someone claimed and did not finish, from its stored intent. Throws an
   * UnrecoverableBatchError, having recorded its logs as failed, when that cannot be done.
   */
  async resume(batchId: string): Promise<BatchOutcome> {
    const writes = noWrites();
    return this.apply(batchId, await this.readIntent(batchId), writes);
  }

  /**
   * Completes every open batch claimed more than `olderThanSeconds` ago, found through the
   * open-batches index (a Query, never a scan). A batch that cannot be completed is marked
   * failed and leaves the index, its logs recorded under FAILURES; any other error is thrown.
   */
  async recover(options: { olderThanSeconds: number }): Promise<RecoveryReport> {
    const cutoff = new Date(this.now().getTime() - options.olderThanSeconds * 1000).toISOString();
    const listed = await this.table.queryIndex('open batches', {
      index: OPEN_BATCHES.index,
      partition: [OPEN_BATCHES.partitionKey, OPEN_BATCHES.open],
      sortBefore: [OPEN_BATCHES.sortKey, cutoff],
    });
    const batchIds = [...new Set(listed.map((item) => keys.batchIdOf(String(item.pk))))];
    // The index is eventually consistent: a batch done a moment ago may still be listed.
    const headers = await this.table.getAll(
      'batch headers',
      batchIds.map((batchId) => keys.intent(batchId)),
    );
    const report: RecoveryReport = { found: batchIds.length, completed: [], failed: [] };
    for (const batchId of batchIds) {
      const key = keys.intent(batchId);
      if (headers.get(`${key.pk}\n${key.sk}`)?.state === 'done') continue;
      try {
        const outcome = await this.resume(batchId);
        report.completed.push({
          batchId,
          logs: Number(headers.get(`${key.pk}\n${key.sk}`)?.logCount ?? 0),
          chunksApplied: outcome.chunks - outcome.chunksSkipped,
        });
      } catch (error) {
        if (!(error instanceof UnrecoverableBatchError)) throw error;
        report.failed.push({ batchId, logs: [...error.logs], reason: error.reason });
      }
    }
    return report;
  }

  /**
   * The stored intent of a batch, or an UnrecoverableBatchError. An intent counts as gone by an
   * explicit check of its parts' own `expiresAt` (less a margin for clock skew), never by
   * whether TTL has deleted them yet: DynamoDB serves expired items for days, in no set order.
   */
  private async readIntent(batchId: string): Promise<Intent> {
    const items = await this.table.query(`intent of batch ${batchId}`, {
      pk: keys.batchPartition(batchId),
      consistent: true,
    });
    const header = items.find((item) => item.sk === keys.intent(batchId).sk);
    const logs = namedLogs(header?.logs);
    if (!header) {
      await this.giveUp(batchId, logs, `its header is gone: those logs may be partly counted and need a manual check`);
    }
    if (header?.state === 'failed') {
      throw new UnrecoverableBatchError(batchId, logs, String(header.failedReason ?? 'marked failed'));
    }
    const parts = items
      .filter((item) => String(item.sk).startsWith(keys.partPrefix))
      .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1));
    const expiresAt = Math.min(...parts.map((part) => Number(part[EXPIRES_AT])));
    const nowSeconds = this.now().getTime() / 1000;
    if (parts.length === 0 || nowSeconds >= expiresAt - INTENT_EXPIRY_MARGIN) {
      await this.giveUp(
        batchId,
        logs,
        `its intent ${parts.length === 0 ? 'is gone' : `expired at ${new Date(expiresAt * 1000).toISOString()}`} ` +
          `(kept ${this.intentTtl / DAY} days): those logs may be partly counted and need a manual check`,
      );
    }
    const payload = Buffer.concat(parts.map((part) => part.data as Uint8Array));
    if (
      parts.length !== Number(header?.parts) ||
      createHash('sha256').update(payload).digest('base64url') !== header?.digest
    ) {
      await this.giveUp(batchId, logs, 'its stored intent is incomplete or altered');
    }
    const stored = JSON.parse(gunzipSync(payload).toString('utf8')) as StoredIntent;
    return {
      logs: stored.logs,
      // Chunk boundaries stay where the intent put them: APPLIED markers refer to them. Within a
      // chunk, the per-hour client tallies of an older intent can meet as one day item, and one
      // transaction may not update an item twice, so they merge.
      chunks: chunksOf(stored.tallies, stored.chunkSize).map((chunk) => mergeTallies([chunk.map(tallyOfOlderIntent)])),
      shared: stored.shared.map((request) => ({ ...request, tallies: request.tallies.map(tallyOfOlderIntent) })),
      expiresAt,
    };
  }

  /**
   * Marks a batch failed (out of the open-batches index, its header kept without TTL), records
   * its logs under FAILURES, and throws the UnrecoverableBatchError that says why.
   */
  private async giveUp(
    batchId: string,
    logs: ReadonlyArray<{ id: string; location: string }>,
    reason: string,
    cause?: unknown,
  ): Promise<never> {
    const at = this.now().toISOString();
    await this.table.update(
      `failure mark of batch ${batchId}`,
      {
        Key: marshall(keys.intent(batchId)),
        UpdateExpression: 'SET #state = :failed, #reason = :reason, #failedAt = :at REMOVE #open, #expires',
        // Never over a batch someone completed meanwhile, and never creating a header.
        ConditionExpression: 'attribute_exists(pk) AND #state <> :done',
        ExpressionAttributeNames: {
          '#state': 'state',
          '#reason': 'failedReason',
          '#failedAt': 'failedAt',
          '#open': OPEN_BATCHES.partitionKey,
          '#expires': EXPIRES_AT,
        },
        ExpressionAttributeValues: marshall({ ':failed': 'failed', ':done': 'done', ':reason': reason, ':at': at }),
      },
      noWrites(),
      { ignoreFailedCondition: true },
    );
    const error = new UnrecoverableBatchError(batchId, logs, reason, cause);
    await this.failures.recordAll(
      logs.map((log) => ({
        logId: log.id,
        location: log.location,
        code: UNRECOVERABLE_BATCH,
        message: error.message,
        failedAt: at,
      })),
    );
    throw error;
  }

  /** Steps 3 and 4: idempotent, so the committer and any number of resumers may run it at once. */
  private async apply(batchId: string, intent: Intent, writes: WriteCount): Promise<BatchOutcome> {
    try {
      return await this.applyIntent(batchId, intent, writes);
    } catch (error) {
      if (error instanceof TransactionRejectedError) return this.giveUp(batchId, intent.logs, error.message, error);
      throw error;
    }
  }

  private async applyIntent(batchId: string, intent: Intent, writes: WriteCount): Promise<BatchOutcome> {
    const outcome: BatchOutcome = {
      ...writes,
      batchId,
      chunks: 0,
      chunksSkipped: 0,
      claimsWon: 0,
      claimsLost: 0,
      firstSeen: { owned: [], created: 0, known: 0 },
    };
    const tallies = intent.chunks.flat();
    const buckets = new Set([
      ...tallies.map((tally) => tally.bucket),
      ...intent.shared.flatMap((request) => request.tallies.map((tally) => tally.bucket)),
    ]);
    // The index only names buckets: an idempotent plain put, outside the transactions where
    // every batch would conflict on it.
    await this.table.putAll(
      'bucket index',
      [...buckets].sort().map((bucket) => marshall(keys.bucketIndex(bucket))),
      outcome,
    );

    const applied = await this.table.query(`progress of batch ${batchId}`, {
      pk: keys.batchPartition(batchId),
      beginsWith: keys.appliedPrefix,
      consistent: true,
    });
    const done = new Set(applied.map((item) => keys.appliedChunkOf(String(item.sk))));
    outcome.chunks = intent.chunks.length;
    const pending = Array.from({ length: outcome.chunks }, (_, chunk) => chunk).filter((chunk) => !done.has(chunk));
    outcome.chunksSkipped = outcome.chunks - pending.length;
    await mapLimited(pending, PARALLEL_CALLS, async (chunk) => {
      const written = await this.table.transact(
        `chunk ${chunk} of batch ${batchId}`,
        [
          {
            Put: {
              TableName: this.table.name,
              Item: marshall({ ...keys.applied(batchId, chunk), [EXPIRES_AT]: intent.expiresAt + MARKER_EXTRA }),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...(intent.chunks[chunk] as Tally[]).map((tally) => this.updateAction(tally)),
        ],
        outcome,
      );
      if (written.cancelledAt.includes(0)) outcome.chunksSkipped++;
      else if (written.cancelledAt.length > 0) throw updateConditionFailed(batchId);
    });

    await this.applyShared(batchId, intent.shared, outcome);
    outcome.firstSeen = await recordFirstSeen(
      this.table,
      batchId,
      [...tallies, ...intent.shared.flatMap((request) => request.tallies)],
      outcome,
      this.now(),
    );

    // One write marks every log of the batch done, where a put per log was the slowest part of
    // a commit on DynamoDB Local's disk store (README, Performance). It takes the batch out of
    // the open-batches index, and removes the TTL that headers of older versions carry: a done
    // header is what says that its logs are done, so it is kept.
    await this.table.update(
      `done mark of batch ${batchId}`,
      {
        Key: marshall(keys.intent(batchId)),
        UpdateExpression: 'SET #state = :done, #doneAt = if_not_exists(#doneAt, :now) REMOVE #open, #expires',
        ExpressionAttributeNames: {
          '#state': 'state',
          '#doneAt': 'doneAt',
          '#open': OPEN_BATCHES.partitionKey,
          '#expires': EXPIRES_AT,
        },
        ExpressionAttributeValues: marshall({ ':done': 'done', ':now': this.now().toISOString() }),
      },
      outcome,
    );
    return outcome;
  }

  private async applyShared(
    batchId: string,
    shared: readonly SharedRequestTallies[],
    outcome: BatchOutcome,
  ): Promise<void> {
    for (let start = 0; start < shared.length; start += CLAIMS_PER_TRANSACTION) {
      let pending = shared.slice(start, start + CLAIMS_PER_TRANSACTION);
      // Each round either commits or learns which claims another copy (or an earlier run of this
      // same intent) holds; it drops those and tries again with the rest, so it ends.
      while (pending.length > 0) {
        const claims: TransactWriteItem[] = pending.map((request) => ({
          Put: {
            TableName: this.table.name,
            Item: marshall({
              ...keys.sharedClaim(request.sharedEventId),
              batch: batchId,
              // From the event's own time: the other account's copy may be backfilled long
              // after this one was counted, but never describes a later event.
              // A copy older than the limit is kept at least as long as an intent.
              [EXPIRES_AT]: Math.max(eventEndOf(request) + this.claimTtl, this.expiry(this.intentTtl)),
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }));
        const tallies = mergeTallies(pending.map((request) => request.tallies));
        const written = await this.table.transact(
          `cross-account requests of batch ${batchId}`,
          [...claims, ...tallies.map((tally) => this.updateAction(tally))],
          outcome,
        );
        if (written.cancelledAt.length === 0) {
          outcome.claimsWon += pending.length;
          break;
        }
        const lost = new Set(written.cancelledAt.filter((index) => index < pending.length));
        if (lost.size === 0) throw updateConditionFailed(batchId);
        outcome.claimsLost += lost.size;
        pending = pending.filter((_, index) => !lost.has(index));
      }
    }
  }

  private updateAction(tally: Tally): TransactWriteItem {
    return { Update: { TableName: this.table.name, ...tallyUpdate(tally) } };
  }

  private expiry(seconds: number): number {
    return Math.floor(this.now().getTime() / 1000) + seconds;
  }
}

/**
 * A tally as an intent stored by an earlier version holds it: client tallies were per hour then.
 * Such a tally becomes the day tally it would be now, so that a batch claimed before an upgrade
 * still completes (the HTTP of its hour counted in that hour).
 */
function tallyOfOlderIntent(tally: Tally): Tally {
  if (tally.kind !== 'client' || tally.day !== undefined) return tally;
  const hour = (tally as unknown as { hour: string }).hour;
  const http = tally.counters[counter.verdict('http')];
  return {
    ...tally,
    day: hour.slice(0, 10),
    counters:
      http === undefined ? tally.counters : { ...tally.counters, [counter.httpInHour(hour.slice(11, 13))]: http },
    seen: tally.seen ?? [],
  };
}

function updateConditionFailed(batchId: string): CleartrailError {
  return new CleartrailError(`batch ${batchId}: an aggregate update failed its condition`, { retryable: false });
}

/** A stored intent's tallies cut as its chunks were: `chunkSize` at a time, in the stored order. */
function chunksOf(tallies: readonly Tally[], chunkSize: number): Tally[][] {
  const chunks: Tally[][] = [];
  for (let start = 0; start < tallies.length; start += chunkSize) chunks.push(tallies.slice(start, start + chunkSize));
  return chunks;
}

/** Epoch seconds at the end of the latest hour (or, without an hour tally, day) a shared request's tallies name. */
function eventEndOf(request: SharedRequestTallies): number {
  let end = 0;
  for (const tally of request.tallies) {
    const seconds =
      tally.kind === 'hour'
        ? Date.parse(`${tally.hour}:00:00Z`) / 1000 + 3600
        : Date.parse(`${tally.day}T00:00:00Z`) / 1000 + DAY;
    if (Number.isFinite(seconds)) end = Math.max(end, seconds);
  }
  return end;
}

/** The logs a header names (`{ id, location }` each); headers of older versions name none. */
function namedLogs(value: unknown): Array<{ id: string; location: string }> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((log: { id?: unknown; location?: unknown }) =>
    typeof log?.id === 'string' && typeof log.location === 'string' ? [{ id: log.id, location: log.location }] : [],
  );
}
