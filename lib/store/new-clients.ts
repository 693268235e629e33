/**
 * First-seen markers of plain-HTTP clients, and the alerts they owe, in the table.
 *
 * A batch commit records a marker for every HTTP identity of its tallies that has none, with a
 * conditional put (`attribute_not_exists`): the batch whose put wins owns the client's alert.
 * The put and the alert item go in one transaction, so an alert exists exactly when a marker was
 * won. Replays and resumers of the same batch find the markers carrying their batch id and own
 * them too; every other batch finds them known. Sending is separate (`NewClientAlerts`): an alert
 * is leased, published, then deleted with its marker stamped sent, so a crash between publish and
 * mark repeats at most that one message, and an alert is never dropped until it was sent or expired.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { CleartrailError } from '../core/errors';
import { type HttpClientSighting, httpClientSightings, type NewHttpClient } from '../core/http-identity';
import type { Tally } from '../core/tally';
import type { TimeWindow } from '../core/time-window';
import { EXPIRES_AT, FIRST_SEEN, firstSeenItem, type Key, keys, newHttpClientOf } from './layout';
import { MAX_TRANSACTION_ACTIONS, noWrites, type Table, type WriteCount } from './table';

/** An unsent alert outlives any retry or redrive (4 days in the queue); older news goes to `clients --new` only. */
const ALERT_TTL_SECONDS = 7 * 86_400;

/** What a batch learned about the HTTP identities in its tallies. */
export interface FirstSeenOutcome {
  /** Clients this batch saw first (recorded now, or by an earlier run of the same batch). */
  owned: NewHttpClient[];
  /** Markers this call put: how many clients are new, counted once whoever resumes the batch. */
  created: number;
  /** Identities another batch had recorded first. */
  known: number;
}

/**
 * Step 3b of the ledger: records the first-seen markers of a batch's HTTP identities. Idempotent
 * for a batch: any number of runs of the same intent, at once or one after another, end with the
 * same markers and the same owned clients.
 */
export async function recordFirstSeen(
  table: Table,
  batchId: string,
  tallies: Iterable<Tally>,
  writes: WriteCount,
  now: Date,
): Promise<FirstSeenOutcome> {
  const outcome: FirstSeenOutcome = { owned: [], created: 0, known: 0 };
  const sightings = httpClientSightings(tallies);
  if (sightings.length === 0) return outcome;
  // Most identities are known: one strongly consistent read spares them a failed conditional put,
  // which DynamoDB bills as a write.
  const absent = await sortByOwner(table, batchId, sightings, outcome);
  const clients = absent.map((sighting) => ({ ...sighting, batchId }));
  const recordedAt = now.toISOString();
  const expiresAt = Math.floor(now.getTime() / 1000) + ALERT_TTL_SECONDS;
  const { won, lost } = await transactEach(
    table,
    `first-seen markers of batch ${batchId}`,
    clients,
    (client) => [
      {
        Put: {
          TableName: table.name,
          Item: firstSeenItem(keyOf(client), client, { [FIRST_SEEN.recordedAt]: recordedAt }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: table.name,
          Item: firstSeenItem(alertKeyOf(client), client, {
            [FIRST_SEEN.recordedAt]: recordedAt,
            [EXPIRES_AT]: expiresAt,
          }),
        },
      },
    ],
    writes,
  );
  outcome.owned.push(...won);
  outcome.created = won.length;
  // Lost to another batch, or to a concurrent run of this one: the marker says which.
  if (lost.length > 0) {
    const stillAbsent = await sortByOwner(table, batchId, lost, outcome);
    if (stillAbsent.length > 0) {
      throw new CleartrailError(`batch ${batchId}: a first-seen marker failed its condition but is absent`, {
        retryable: true,
      });
    }
  }
  outcome.owned.sort((a, b) => (keyOf(a).pk + keyOf(a).sk < keyOf(b).pk + keyOf(b).sk ? -1 : 1));
  return outcome;
}

/** Reads the markers of `sightings`: owned ones and known ones go to `outcome`; returns those without a marker. */
async function sortByOwner(
  table: Table,
  batchId: string,
  sightings: readonly HttpClientSighting[],
  outcome: FirstSeenOutcome,
): Promise<HttpClientSighting[]> {
  const found = await table.getAll('first-seen markers', sightings.map(keyOf));
  const absent: HttpClientSighting[] = [];
  for (const sighting of sightings) {
    const key = keyOf(sighting);
    const marker = found.get(`${key.pk}\n${key.sk}`);
    if (marker === undefined) absent.push(sighting);
    else if (marker[FIRST_SEEN.batch] === batchId) outcome.owned.push(newHttpClientOf(marker));
    else outcome.known++;
  }
  return absent;
}

/**
 * Runs each item's actions in transactions of as many items as fit. When the first action of
 * some items fails its condition, those items are set aside and the rest tried again, so it ends.
 */
async function transactEach<T>(
  table: Table,
  what: string,
  items: readonly T[],
  actionsOf: (item: T) => TransactWriteItem[],
  writes: WriteCount,
): Promise<{ won: T[]; lost: T[] }> {
  const won: T[] = [];
  const lost: T[] = [];
  if (items.length === 0) return { won, lost };
  const perItem = actionsOf(items[0] as T).length;
  const perTransaction = Math.floor(MAX_TRANSACTION_ACTIONS / perItem);
  for (let start = 0; start < items.length; start += perTransaction) {
    let pending = items.slice(start, start + perTransaction);
    while (pending.length > 0) {
      const written = await table.transact(what, pending.flatMap(actionsOf), writes);
      if (written.cancelledAt.length === 0) {
        won.push(...pending);
        break;
      }
      const failed = new Set(written.cancelledAt.map((index) => Math.floor(index / perItem)));
      lost.push(...pending.filter((_, index) => failed.has(index)));
      pending = pending.filter((_, index) => !failed.has(index));
    }
  }
  return { won, lost };
}

function keyOf(client: { bucket: string; identity: string }): Key {
  return keys.firstSeen(client.bucket, client.identity);
}

function alertKeyOf(client: { bucket: string; identity: string }): Key {
  return keys.alert(client.bucket, client.identity);
}

/**
 * The alerts new clients owe, for whoever publishes them (the Lambda). Each alert goes through
 * lease, publish, then `markSent` or `release`; a lease keeps concurrent invocations from
 * publishing the same alert, and expires so that a crashed holder delays an alert, never loses it.
 */
export class NewClientAlerts {
  constructor(
    private readonly table: Table,
    private readonly now: () => Date,
  ) {}

  /** Alerts not yet sent, whoever recorded them: this invocation's, and those an earlier one failed to send. */
  async unsent(): Promise<NewHttpClient[]> {
    const items = await this.table.query('unsent new-client alerts', {
      pk: keys.alertsPartition,
      consistent: true,
    });
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    return (
      items
        // TTL deletes expired items within days, not at once.
        .filter((item) => !(Number(item[EXPIRES_AT]) <= nowSeconds))
        .map(newHttpClientOf)
    );
  }

  /** Takes the alerts nobody else holds, for `seconds`; returns those taken. */
  async lease(alerts: readonly NewHttpClient[], holder: string, seconds: number): Promise<NewHttpClient[]> {
    const now = Math.floor(this.now().getTime() / 1000);
    const { won } = await transactEach(
      this.table,
      'lease of new-client alerts',
      alerts,
      (alert) => [
        this.alertUpdate(alert, {
          UpdateExpression: 'SET #lease = :until, #holder = :holder',
          // attribute_exists: an alert sent (deleted) since it was read is not recreated.
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#lease) OR #lease < :now)',
          ExpressionAttributeNames: { '#lease': FIRST_SEEN.leaseUntil, '#holder': FIRST_SEEN.leasedBy },
          ExpressionAttributeValues: {
            ':until': { N: String(now + seconds) },
            ':holder': { S: holder },
            ':now': { N: String(now) },
          },
        }),
      ],
      noWrites(),
    );
    return won;
  }

  /**
   * After publishing: the alert item goes (every invocation reads the partition, so sent alerts
   * must not linger there) and the marker says when it went out.
   */
  async markSent(alerts: readonly NewHttpClient[], holder: string): Promise<void> {
    const sent = { ':sent': { S: this.now().toISOString() } };
    await transactEach(
      this.table,
      'sent new-client alerts',
      alerts,
      (alert) => [
        {
          Delete: {
            TableName: this.table.name,
            Key: marshallKey(alertKeyOf(alert)),
            ConditionExpression: '#holder = :holder',
            ExpressionAttributeNames: { '#holder': FIRST_SEEN.leasedBy },
            ExpressionAttributeValues: { ':holder': { S: holder } },
          },
        },
        {
          Update: {
            TableName: this.table.name,
            Key: marshallKey(keys.firstSeen(alert.bucket, alert.identity)),
            UpdateExpression: 'SET #sent = :sent',
            ExpressionAttributeNames: { '#sent': FIRST_SEEN.notifiedAt },
            ExpressionAttributeValues: sent,
          },
        },
      ],
      noWrites(),
    );
  }

  /** After a failed publish: the next invocation may take them at once. */
  async release(alerts: readonly NewHttpClient[], holder: string): Promise<void> {
    await transactEach(
      this.table,
      'release of new-client alerts',
      alerts,
      (alert) => [
        this.alertUpdate(alert, {
          UpdateExpression: 'REMOVE #lease, #holder',
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#lease': FIRST_SEEN.leaseUntil, '#holder': FIRST_SEEN.leasedBy },
          ExpressionAttributeValues: { ':holder': { S: holder } },
        }),
      ],
      noWrites(),
    );
  }

  /** The clients first seen on a bucket in a window of UTC hours, oldest first, with when their alert went out. */
  async firstSeenIn(bucket: string, window: TimeWindow): Promise<Array<NewHttpClient & { notifiedAt?: string }>> {
    const items = await this.table.query(`first-seen markers of ${bucket}`, {
      pk: keys.bucketPartition(bucket),
      beginsWith: keys.firstSeenPrefix,
    });
    return clientsFirstSeenIn(items, window);
  }

  private alertUpdate(
    alert: NewHttpClient,
    update: Required<
      Pick<
        NonNullable<TransactWriteItem['Update']>,
        'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
      >
    > &
      Pick<NonNullable<TransactWriteItem['Update']>, 'ConditionExpression'>,
  ): TransactWriteItem {
    return { Update: { TableName: this.table.name, Key: marshallKey(alertKeyOf(alert)), ...update } };
  }
}

/** The first-seen markers among `items` whose client was first seen in the window, oldest first. */
export function clientsFirstSeenIn(
  items: ReadonlyArray<Record<string, unknown>>,
  window: TimeWindow,
): Array<NewHttpClient & { notifiedAt?: string }> {
  return items
    .map(newHttpClientOf)
    .filter((client) => {
      const hour = new Date(client.firstSeen * 1000).toISOString().slice(0, 13);
      return (
        (window.fromHour === undefined || hour >= window.fromHour) &&
        (window.toHour === undefined || hour <= window.toHour)
      );
    })
    .sort((a, b) => a.firstSeen - b.firstSeen || (a.identity < b.identity ? -1 : 1));
}

function marshallKey(key: Key) {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}
