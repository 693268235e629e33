/**
 * What makes a plain-HTTP client "new" on a bucket, in domain terms: its HTTP identity (where it
 * sends from and who it is) has never spoken HTTP to that bucket before. Pure: the store decides
 * who saw an identity first (`lib/store/new-clients.ts`), the alert words it (`lib/lambda/new-client-alert.ts`).
 */
import { createHash } from 'node:crypto';
import { COUNTER_PREFIXES, counter, type Tally } from './tally';

/** A client speaking plain HTTP to a bucket, as first seen. */
export interface HttpClientSighting {
  bucket: string;
  /** Stable hash of the identity: a named network if the client is in one, else its address, plus principal. */
  identity: string;
  /** Epoch seconds of its first plain-HTTP request among those that made it known. */
  firstSeen: number;
  address: string;
  class: string;
  network?: string;
  instanceId?: string;
  principal: string;
  userAgent?: string;
  /** Its most frequent plain-HTTP operation in those requests (ties: alphabetical). */
  operation?: string;
  /**
   * `refused` when S3 refused every one of those requests (enforcement is working, the client is
   * broken), `served` when any got through; absent on alerts stored before refusals were counted.
   */
  outcome?: 'served' | 'refused';
}

/** A sighting that the store recorded first, with the batch that owns its alert. */
export interface NewHttpClient extends HttpClientSighting {
  batchId: string;
}

/**
 * The identity of a client's plain HTTP on a bucket. A named network stands for all its addresses:
 * a new laptop in the office is not a new client, a new address outside it is.
 *
 * @example httpIdentity({ address: '203.0.113.24', principal: 'arn:aws:iam::111122223333:user/alice' })
 */
export function httpIdentity(client: { address: string; network?: string; principal: string }): string {
  const where = client.network !== undefined ? `network:${client.network}` : `address:${client.address}`;
  return createHash('sha256').update(`${where}\n${client.principal}`).digest('base64url').slice(0, 22);
}

/**
 * One sighting per bucket and HTTP identity among the client tallies with plain-HTTP requests,
 * described by the earliest (ties: by address and client id), so the same tallies in any order
 * give the same sightings. Sorted by bucket, then identity.
 */
export function httpClientSightings(tallies: Iterable<Tally>): HttpClientSighting[] {
  const sightings = new Map<string, HttpClientSighting & { tieBreak: string }>();
  for (const tally of tallies) {
    if (tally.kind !== 'client' || !((tally.counters.http ?? 0) > 0) || tally.seen.length === 0) continue;
    const client = tally.client;
    const identity = httpIdentity(client);
    const firstSeen = Math.min(...tally.seen);
    const key = `${tally.bucket}\n${identity}`;
    const tieBreak = `${client.address}\n${client.clientId}`;
    const earlier = sightings.get(key);
    if (
      earlier !== undefined &&
      (earlier.firstSeen < firstSeen || (earlier.firstSeen === firstSeen && earlier.tieBreak <= tieBreak))
    )
      continue;
    sightings.set(key, {
      tieBreak,
      bucket: tally.bucket,
      identity,
      firstSeen,
      address: client.address,
      class: client.class,
      ...(client.network !== undefined ? { network: client.network } : {}),
      ...(client.instanceId !== undefined ? { instanceId: client.instanceId } : {}),
      principal: client.principal,
      ...(client.userAgent !== undefined ? { userAgent: client.userAgent } : {}),
      ...optional('operation', topOperation(tally.counters)),
      outcome: (tally.counters[counter.httpDenied] ?? 0) >= (tally.counters.http ?? 0) ? 'refused' : 'served',
    });
  }
  return [...sightings.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { tieBreak: _, ...sighting }]) => sighting);
}

function topOperation(counters: Record<string, number>): string | undefined {
  let best: [string, number] | undefined;
  for (const [name, count] of Object.entries(counters)) {
    if (!name.startsWith(COUNTER_PREFIXES.operation)) continue;
    const operation = name.slice(COUNTER_PREFIXES.operation.length);
    if (best === undefined || count > best[1] || (count === best[1] && operation < best[0])) best = [operation, count];
  }
  return best?.[0];
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
