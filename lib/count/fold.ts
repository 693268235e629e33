import { createHash } from 'node:crypto';
import { detached } from '../classify/record-fields';
import type { S3Request } from '../classify/request';
import {
  type ClientDescription,
  counter,
  type EvidenceKind,
  type SharedRequestTallies,
  type Tally,
} from '../core/tally';
import type { FormatSummary } from '../formats/format';

/**
 * Folds requests into tallies: one per bucket-hour and one per client of a bucket-day. Memory
 * grows with the number of distinct tallies, not with the number of requests.
 *
 * This is the per-record hot path: tallies are found through nested maps keyed by the request's
 * own strings, and counter names come from a cache, so that adding a request builds no string
 * (README, Performance: joined keys cost a third of the fold).
 */
export class Aggregate {
  private readonly hours = new Map<string, Map<string, MutableTally>>();
  /** Clients by principal, user agent, address and VPC endpoint (see addClient). */
  private readonly clients = new Map<string, Map<string, Map<string, Map<string, ClientEntry>>>>();
  private readonly clientEntries: ClientEntry[] = [];

  constructor(
    private readonly syncToken: string,
    private readonly source: EvidenceKind = 'cloudtrail',
  ) {}

  get size(): number {
    let size = 0;
    for (const byHour of this.hours.values()) size += byHour.size;
    for (const client of this.clientEntries) for (const days of client.byBucket.values()) size += days.size;
    return size;
  }

  add(request: S3Request): void {
    const hour = this.hourTally(request.bucket, request.hour);
    increment(hour, cachedId(COUNTER_IDS.verdict, request.verdict, counter.verdict));
    increment(hour, cachedId(COUNTER_IDS.reason, request.reason, counter.reason));
    if (request.tlsVersion) increment(hour, cachedId(COUNTER_IDS.tlsVersion, request.tlsVersion, counter.tlsVersion));
    if (request.website) increment(hour, FIXED_IDS.website);

    const http = request.verdict === 'http';
    const findings = hygieneFindings(request);
    if (http) {
      increment(hour, cachedId(COUNTER_IDS.httpBySource, request.source.class, counter.httpBySource));
      if (request.source.network) {
        increment(hour, cachedId(COUNTER_IDS.httpByNetwork, request.source.network, counter.httpByNetwork));
      }
      if (request.website) increment(hour, FIXED_IDS.websiteHttp);
      see(hour, request.time);
      if (request.refused) {
        increment(hour, FIXED_IDS.httpDenied);
        hour.deniedSeen = extend(hour.deniedSeen, request.time);
      } else hour.servedSeen = extend(hour.servedSeen, request.time);
    }
    for (const finding of findings) increment(hour, counterId(finding));

    if (http || findings.length > 0) this.addClient(request, hour, findings);
  }

  /** The tallies, hours before clients, each group in insertion order (mergeTallies sorts). */
  tallies(): Tally[] {
    const tallies: Tally[] = [];
    const syncTokens = [this.syncToken];
    for (const byHour of this.hours.values()) {
      for (const item of byHour.values()) {
        tallies.push({
          kind: 'hour',
          source: this.source,
          bucket: item.bucket,
          hour: item.period,
          counters: countersOf(item.counts),
          seen: item.seen ? [item.seen.first, item.seen.last] : [],
          deniedSeen: item.deniedSeen ? [item.deniedSeen.first, item.deniedSeen.last] : [],
          servedSeen: item.servedSeen ? [item.servedSeen.first, item.servedSeen.last] : [],
          rangesSyncTokens: syncTokens,
        });
      }
    }
    for (const entry of this.clientEntries) {
      for (const days of entry.byBucket.values()) {
        for (const item of days.values()) {
          tallies.push({
            kind: 'client',
            source: this.source,
            bucket: item.bucket,
            day: item.period,
            client: item.client as ClientDescription,
            counters: countersOf(item.counts),
            seen: item.seen ? [item.seen.first, item.seen.last] : [],
            rangesSyncTokens: syncTokens,
          });
        }
      }
    }
    return tallies;
  }

  private hourTally(bucket: string, hourText: string): MutableTally {
    let byHour = this.hours.get(bucket);
    if (byHour === undefined) {
      byHour = new Map();
      this.hours.set(detached(bucket), byHour);
    }
    let item = byHour.get(hourText);
    if (item === undefined) {
      const hour = detached(hourText);
      // Every field set from the start: one object shape for all hour tallies.
      item = {
        bucket: detached(bucket),
        period: hour,
        counts: [],
        seen: undefined,
        deniedSeen: undefined,
        servedSeen: undefined,
      };
      byHour.set(hour, item);
    }
    return item;
  }

  /**
   * Finds the client's tally through nested maps, one per part of its identity, rather than by
   * one string joining them: joining address, principal and user agent (250-odd characters) and
   * hashing the result was the fold's costliest line. Bucket and hour are looked up with the
   * string the hour tally holds, whose hash is already computed.
   */
  private addClient(request: S3Request, hourTally: MutableTally, findings: readonly string[]): void {
    const source = request.source;
    const { bucket, period: hour } = hourTally;
    const byAgent = getOrCreate(this.clients, request.principal, () => new Map());
    const byAddress = getOrCreate(byAgent, request.userAgent, () => new Map());
    const byEndpoint = getOrCreate(byAddress, source.address, () => new Map<string, ClientEntry>());
    let entry = byEndpoint.get(source.vpcEndpointId ?? '');
    if (entry === undefined) {
      // The id only has to tell apart clients that share an address within one bucket-day.
      const identity = `${source.address}\n${request.principal}\n${request.userAgent}\n${source.vpcEndpointId ?? ''}`;
      entry = {
        description: describeClient(request, createHash('sha256').update(identity).digest('base64url').slice(0, 12)),
        byBucket: new Map(),
      };
      byEndpoint.set(source.vpcEndpointId ?? '', entry);
      this.clientEntries.push(entry);
    }
    let days = entry.byBucket.get(bucket);
    if (days === undefined) {
      days = new Map();
      entry.byBucket.set(bucket, days);
    }
    // Days are keyed by the hour string's prefix only when a client's day is first met; after
    // that the map holds the day and the lookup below reuses the cached per-hour result.
    let client = entry.lastHour === hour && entry.lastBucket === bucket ? entry.lastTally : undefined;
    if (client === undefined) {
      const day = hour.slice(0, 10);
      client = days.get(day);
      if (client === undefined) {
        client = { bucket, period: day, client: entry.description, counts: [] };
        days.set(day, client);
      }
      entry.lastHour = hour;
      entry.lastBucket = bucket;
      entry.lastTally = client;
    }

    increment(client, FIXED_IDS.requests);
    increment(client, cachedId(COUNTER_IDS.verdict, request.verdict, counter.verdict));
    if (request.tlsVersion) increment(client, cachedId(COUNTER_IDS.tlsVersion, request.tlsVersion, counter.tlsVersion));
    for (const finding of findings) increment(client, counterId(finding));
    // Operations and hours describe the client's plain-HTTP traffic, the thing to fix.
    if (request.verdict !== 'http') return;
    increment(client, cachedId(COUNTER_IDS.operation, request.operation, counter.operation));
    increment(client, HTTP_IN_HOUR_IDS[hourOfDay(hour)] as number);
    if (request.refused) {
      increment(client, FIXED_IDS.httpDenied);
      increment(client, HTTP_DENIED_IN_HOUR_IDS[hourOfDay(hour)] as number);
    }
    see(client, request.time);
  }
}

/** `HH` of `YYYY-MM-DDTHH` as a number, without building a string. */
function hourOfDay(hour: string): number {
  return (hour.charCodeAt(11) - 48) * 10 + (hour.charCodeAt(12) - 48);
}

function see(item: MutableTally, time: number): void {
  item.seen = extend(item.seen, time);
}

function extend(span: TimeSpan | undefined, time: number): TimeSpan {
  if (!span) return { first: time, last: time };
  if (time < span.first) span.first = time;
  if (time > span.last) span.last = time;
  return span;
}

/** A request kept until the end of the file (see `detached`). */
function detachedRequest(request: S3Request): S3Request {
  const copy = { ...request };
  for (const key of Object.keys(copy) as Array<keyof S3Request>) {
    const value = copy[key];
    if (typeof value === 'string') (copy as Record<string, unknown>)[key] = detached(value);
  }
  return copy;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(typeof key === 'string' ? (detached(key) as K) : key, value);
  }
  return value;
}

interface ClientEntry {
  description: ClientDescription;
  /** Tallies of this client by bucket, then day. */
  byBucket: Map<string, Map<string, MutableTally>>;
  /** The tally of the last request's bucket and hour: a client's requests come in runs. */
  lastHour?: string;
  lastBucket?: string;
  lastTally?: MutableTally;
}

function describeClient(request: S3Request, clientId: string): ClientDescription {
  const source = request.source;
  const description: ClientDescription = {
    clientId,
    address: detached(source.address),
    class: source.class,
    principal: detached(request.principal),
  };
  if (request.userAgent) description.userAgent = detached(request.userAgent);
  if (source.network) description.network = source.network;
  if (source.awsService) description.awsService = source.awsService;
  if (source.awsRegion) description.awsRegion = source.awsRegion;
  if (source.vpcEndpointId) description.vpcEndpointId = detached(source.vpcEndpointId);
  if (source.vpcEndpointAccountId) description.vpcEndpointAccountId = detached(source.vpcEndpointAccountId);
  if (source.instanceId) description.instanceId = detached(source.instanceId);
  if (source.ec2Credentials) description.ec2Credentials = source.ec2Credentials;
  return description;
}

/**
 * Counters are kept as arrays indexed by counter id rather than objects keyed by name: tallies
 * gain their counters in different orders, which made `counters[name] += 1` a megamorphic keyed
 * access. Ids are process-wide and only name counters; `tallies()` turns them back into names.
 */
const counterIds = new Map<string, number>();
const counterNames: string[] = [];

function counterId(name: string): number {
  let id = counterIds.get(name);
  if (id === undefined) {
    id = counterNames.length;
    counterNames.push(name);
    counterIds.set(name, id);
  }
  return id;
}

const FIXED_IDS = {
  website: counterId(counter.website),
  websiteHttp: counterId(counter.websiteHttp),
  requests: counterId(counter.requests),
  httpDenied: counterId(counter.httpDenied),
};

const HTTP_IN_HOUR_IDS = Array.from({ length: 24 }, (_, hour) =>
  counterId(counter.httpInHour(String(hour).padStart(2, '0'))),
);

const HTTP_DENIED_IN_HOUR_IDS = Array.from({ length: 24 }, (_, hour) =>
  counterId(counter.httpDeniedInHour(String(hour).padStart(2, '0'))),
);

/** Counter ids by family and value: a name built per record is a fresh string to hash. */
const COUNTER_IDS = {
  verdict: new Map<string, number>(),
  reason: new Map<string, number>(),
  tlsVersion: new Map<string, number>(),
  httpBySource: new Map<string, number>(),
  httpByNetwork: new Map<string, number>(),
  operation: new Map<string, number>(),
};

function cachedId(cache: Map<string, number>, value: string, build: (value: string) => string): number {
  let id = cache.get(value);
  if (id === undefined) {
    id = counterId(build(value));
    cache.set(detached(value), id);
  }
  return id;
}

function countersOf(counts: readonly (number | undefined)[]): Record<string, number> {
  const counters: Record<string, number> = {};
  for (let id = 0; id < counts.length; id++) {
    const value = counts[id];
    if (value !== undefined) counters[counterNames[id] as string] = value;
  }
  return counters;
}

interface MutableTally {
  bucket: string;
  /** The hour of an hour tally, the day of a client tally. */
  period: string;
  client?: ClientDescription;
  /** By counter id (see counterId); holes for counters the tally does not have. */
  counts: (number | undefined)[];
  seen?: TimeSpan;
  /** Hour tallies only: the refused and the served plain-HTTP requests apart. */
  deniedSeen?: TimeSpan;
  servedSeen?: TimeSpan;
}

interface TimeSpan {
  first: number;
  last: number;
}

function increment(item: MutableTally, id: number): void {
  item.counts[id] = (item.counts[id] ?? 0) + 1;
}

const LEGACY_TLS = new Set(['TLSv1', 'TLSv1.0', 'TLSv1.1', 'SSLv3']);

/** TLS-hygiene findings of one request, as counter names. */
const NO_FINDINGS: readonly string[] = Object.freeze([]);

export function hygieneFindings(request: S3Request): readonly string[] {
  const legacy = request.tlsVersion !== undefined && LEGACY_TLS.has(request.tlsVersion);
  const sigV2 = request.signatureVersion === 'SigV2';
  const presigned = request.verdict === 'http' && request.authenticationMethod === 'QueryString';
  if (!legacy && !sigV2 && !presigned && !request.source.ec2CredentialsOutsideAws) return NO_FINDINGS;
  const findings: string[] = [];
  if (legacy) findings.push(counter.legacyTls);
  if (sigV2) findings.push(counter.sigV2);
  if (presigned) findings.push(counter.presignedHttp);
  if (request.source.ec2CredentialsOutsideAws) findings.push(counter.ec2CredentialsOutsideAws);
  return findings;
}

/** What a log file held, beyond the counts. */
export interface LogSummary {
  /** S3 records read from the file (non-S3 records are dropped by the reader). */
  s3Records: number;
  /** S3 `AwsApiCall` records counted (after de-duplication). */
  requests: number;
  duplicates: number;
  /** S3 records that are not client calls (AwsServiceEvent, NetworkActivity, ...). */
  notApiCalls: number;
  /** cleartrail's own reads of the log bucket. */
  ownRequests: number;
  /** Requests that carry a sharedEventID, counted through a claim (see store/ledger.ts). */
  sharedRequests: number;
}

/** The result of folding one log: tallies of its own requests, and its cross-account requests apart. */
export interface FoldedLog {
  summary: LogSummary;
  tallies: Tally[];
  shared: SharedRequestTallies[];
}

/**
 * Folds the requests of one log. Requests with a sharedEventID are kept apart because their
 * other copy, delivered to the other account, may already have been counted; the commit claims
 * them one by one.
 */
export class LogFold {
  private readonly plain: Aggregate;
  private readonly shared = new Map<string, S3Request>();
  private requests = 0;
  private sharedDuplicates = 0;

  /** `source`: the evidence every request of this log comes from (its format's). */
  constructor(
    private readonly syncToken: string,
    private readonly source: EvidenceKind = 'cloudtrail',
  ) {
    this.plain = new Aggregate(syncToken, source);
  }

  add(request: S3Request): void {
    if (request.sharedEventId) {
      if (this.shared.has(request.sharedEventId)) {
        this.sharedDuplicates++;
        return;
      }
      this.shared.set(detached(request.sharedEventId), detachedRequest(request));
    } else {
      this.plain.add(request);
    }
    this.requests++;
  }

  finish(read: Pick<FormatSummary, 's3Records' | 'duplicates' | 'notApiCalls' | 'ownRequests'>): FoldedLog {
    const shared: SharedRequestTallies[] = [];
    for (const [sharedEventId, request] of this.shared) {
      const single = new Aggregate(this.syncToken, this.source);
      single.add(request);
      shared.push({ sharedEventId, tallies: single.tallies() });
    }
    return {
      summary: {
        s3Records: read.s3Records,
        requests: this.requests,
        duplicates: read.duplicates + this.sharedDuplicates,
        notApiCalls: read.notApiCalls,
        ownRequests: read.ownRequests,
        sharedRequests: this.shared.size,
      },
      tallies: this.plain.tallies(),
      shared,
    };
  }
}
