import { createHash } from 'node:crypto';
import type { CloudTrailRecord } from './cloudtrail';
import { MalformedLogError } from './errors';
import { describeRequest, isClientApiCall, isOwnRequest, type S3Request } from './request';
import { clientItemKey, counter, hourItemKey, type ItemKey } from './schema';
import type { SourceClassifier } from './source';

/**
 * What one item gains from one log file: counters to ADD, descriptive attributes to set once,
 * times to add to the `seen` set and range tokens to add to `rangesSyncTokens`. Adding deltas
 * is commutative, which is what lets files be processed in any order and in parallel.
 */
export interface ItemDelta extends ItemKey {
  counters: Record<string, number>;
  attributes: Record<string, string>;
  seen: number[];
  syncTokens: string[];
}

/**
 * Folds requests into per-item deltas. Memory grows with the number of distinct items
 * (buckets x hours x clients), not with the number of requests.
 */
export class Aggregate {
  private readonly items = new Map<string, MutableDelta>();
  private readonly clientIds = new Map<string, string>();

  constructor(private readonly syncToken: string) {}

  get size(): number {
    return this.items.size;
  }

  add(request: S3Request): void {
    const hour = this.item(hourItemKey(request.bucket, request.hour));
    hour.attributes.bucket = request.bucket;
    hour.attributes.hour = request.hour;
    increment(hour, counter.verdict(request.verdict));
    increment(hour, counter.reason(request.reason));
    if (request.tlsVersion) increment(hour, counter.tlsVersion(request.tlsVersion));
    if (request.website) increment(hour, counter.website);

    const http = request.verdict === 'http';
    const findings = hygieneFindings(request);
    if (http) {
      increment(hour, counter.httpBySource(request.source.class));
      if (request.source.network) increment(hour, counter.httpByNetwork(request.source.network));
      if (request.website) increment(hour, counter.websiteHttp);
    }
    for (const finding of findings) increment(hour, finding);

    if (http || findings.length > 0) this.addClient(request, findings);
  }

  /** Deltas in a deterministic order (by key), so that a retry cuts them into the same chunks. */
  deltas(): ItemDelta[] {
    return [...this.items.values()]
      .sort((a, b) => compareKeys(a, b))
      .map((item) => ({
        pk: item.pk,
        sk: item.sk,
        counters: item.counters,
        attributes: item.attributes,
        seen: item.seen ? [item.seen.first, item.seen.last] : [],
        syncTokens: [this.syncToken],
      }));
  }

  /** Bucket names, for the bucket index that reports list. */
  buckets(): string[] {
    const names = new Set<string>();
    for (const item of this.items.values()) if (item.attributes.bucket) names.add(item.attributes.bucket);
    return [...names].sort();
  }

  private addClient(request: S3Request, findings: readonly string[]): void {
    const source = request.source;
    const identity = [source.address, request.principal, request.userAgent, source.vpcEndpointId ?? ''].join('\n');
    let clientId = this.clientIds.get(identity);
    if (clientId === undefined) {
      // The id only has to tell apart clients that share an address within one bucket-hour.
      clientId = createHash('sha256').update(identity).digest('base64url').slice(0, 12);
      this.clientIds.set(identity, clientId);
    }
    const client = this.item(clientItemKey(request.bucket, request.hour, source.address, clientId));
    const attributes = client.attributes;
    attributes.bucket = request.bucket;
    attributes.hour = request.hour;
    attributes.address = source.address;
    attributes.class = source.class;
    attributes.principal = request.principal;
    if (request.userAgent) attributes.userAgent = request.userAgent;
    if (source.network) attributes.network = source.network;
    if (source.awsService) attributes.awsService = source.awsService;
    if (source.awsRegion) attributes.awsRegion = source.awsRegion;
    if (source.vpcEndpointId) attributes.vpcEndpointId = source.vpcEndpointId;
    if (source.vpcEndpointAccountId) attributes.vpcEndpointAccountId = source.vpcEndpointAccountId;
    if (source.instanceId) attributes.instanceId = source.instanceId;
    if (source.ec2Credentials) attributes.ec2Credentials = source.ec2Credentials;

    increment(client, counter.requests);
    increment(client, counter.verdict(request.verdict));
    if (request.tlsVersion) increment(client, counter.tlsVersion(request.tlsVersion));
    for (const finding of findings) increment(client, finding);
    // Operations and first/last seen describe the client's plain-HTTP traffic, the thing to fix.
    if (request.verdict !== 'http') return;
    increment(client, counter.operation(request.operation));
    if (!client.seen) client.seen = { first: request.time, last: request.time };
    else {
      if (request.time < client.seen.first) client.seen.first = request.time;
      if (request.time > client.seen.last) client.seen.last = request.time;
    }
  }

  private item(key: ItemKey): MutableDelta {
    const id = `${key.pk}\u0000${key.sk}`;
    let item = this.items.get(id);
    if (item === undefined) {
      item = { pk: key.pk, sk: key.sk, counters: {}, attributes: {} };
      this.items.set(id, item);
    }
    return item;
  }
}

interface MutableDelta extends ItemKey {
  counters: Record<string, number>;
  attributes: Record<string, string>;
  seen?: { first: number; last: number };
}

function increment(item: MutableDelta, name: string): void {
  item.counters[name] = (item.counters[name] ?? 0) + 1;
}

const LEGACY_TLS = new Set(['TLSv1', 'TLSv1.0', 'TLSv1.1', 'SSLv3']);

/** TLS-hygiene findings of one request, as counter names. */
export function hygieneFindings(request: S3Request): string[] {
  const findings: string[] = [];
  if (request.tlsVersion && LEGACY_TLS.has(request.tlsVersion)) findings.push(counter.legacyTls);
  if (request.signatureVersion === 'SigV2') findings.push(counter.sigV2);
  if (request.verdict === 'http' && request.authenticationMethod === 'QueryString')
    findings.push(counter.presignedHttp);
  if (request.source.ec2CredentialsOutsideAws) findings.push(counter.ec2CredentialsOutsideAws);
  return findings;
}

function compareKeys(a: ItemKey, b: ItemKey): number {
  if (a.pk !== b.pk) return a.pk < b.pk ? -1 : 1;
  if (a.sk !== b.sk) return a.sk < b.sk ? -1 : 1;
  return 0;
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
  /** Requests that carry a sharedEventID, counted through a claim (see store.ts). */
  sharedRequests: number;
}

/** The result of folding one log file: deltas for its own requests, and its cross-account requests apart. */
export interface LogAggregate {
  summary: LogSummary;
  plain: Aggregate;
  /** Requests with a sharedEventID: the other account's copy may count them first. */
  shared: S3Request[];
}

/**
 * Folds the S3 records of one log file. A duplicate eventID inside the file counts once;
 * requests with a sharedEventID are kept apart because their other copy, delivered to the
 * other account, may already have been counted (store.ts claims them one by one).
 */
export class LogAggregator {
  private readonly plain: Aggregate;
  private readonly shared = new Map<string, S3Request>();
  private readonly eventIds = new Set<string>();
  private position = 0;
  private readonly summary: LogSummary = {
    s3Records: 0,
    requests: 0,
    duplicates: 0,
    notApiCalls: 0,
    ownRequests: 0,
    sharedRequests: 0,
  };

  constructor(
    private readonly objectName: string,
    private readonly sources: SourceClassifier,
  ) {
    this.plain = new Aggregate(sources.rangesSyncToken);
  }

  add(record: CloudTrailRecord): void {
    const position = this.position++;
    this.summary.s3Records++;
    if (!isClientApiCall(record)) {
      this.summary.notApiCalls++;
      return;
    }
    if (isOwnRequest(record)) {
      this.summary.ownRequests++;
      return;
    }
    const eventId = record.eventID;
    if (typeof eventId === 'string' && eventId.length > 0) {
      if (this.eventIds.has(eventId)) {
        this.summary.duplicates++;
        return;
      }
      this.eventIds.add(eventId);
    }
    const request = describeRequest(record, this.sources);
    if (typeof request === 'string') {
      throw new MalformedLogError(this.objectName, 'bad-record', `S3 record ${position}: ${request}`);
    }
    if (request.sharedEventId) {
      if (this.shared.has(request.sharedEventId)) {
        this.summary.duplicates++;
        return;
      }
      this.shared.set(request.sharedEventId, request);
      this.summary.sharedRequests++;
    } else {
      this.plain.add(request);
    }
    this.summary.requests++;
  }

  finish(): LogAggregate {
    return { summary: { ...this.summary }, plain: this.plain, shared: [...this.shared.values()] };
  }
}
