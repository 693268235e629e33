/**
 * What cleartrail counts, in domain terms: the counters of one bucket in one UTC hour, and those
 * of one client of that bucket in one UTC day. The fold produces tallies, the store adds them to
 * the stored ones, and the reports read them back; only `lib/store/` knows how they are keyed.
 *
 * Adding tallies is commutative and associative, which is what lets files be folded in any order,
 * on any thread, and merged into one batch before a single commit.
 */

/** Counters: plain names for the verdicts, prefixed families for the open-ended ones. */
export const counter = {
  verdict: (verdict: string) => verdict,
  reason: (reason: string) => `reason_${reason}`,
  httpBySource: (sourceClass: string) => `http_${sourceClass}`,
  httpByNetwork: (network: string) => `http_net_${network}`,
  /** A client's plain-HTTP requests in one hour of its day (`HH`, 00 to 23). */
  httpInHour: (hourOfDay: string) => `http_hour_${hourOfDay}`,
  /** A client's plain-HTTP requests that S3 refused, in one hour of its day. */
  httpDeniedInHour: (hourOfDay: string) => `http_denied_hour_${hourOfDay}`,
  tlsVersion: (version: string) => `tls_${version}`,
  operation: (operation: string) => `op_${operation}`,
  /**
   * Plain-HTTP requests S3 refused (`AccessDenied`): what a SecureTransport deny answers. Part of
   * `http`, which counts every plain-HTTP request, served or refused.
   */
  httpDenied: 'http_denied',
  /** Requests to the S3 website endpoint, which serves plain HTTP only. */
  website: 'website',
  websiteHttp: 'website_http',
  /** Presigned URLs (AuthenticationMethod QueryString) sent over HTTP: the signature travelled in clear. */
  presignedHttp: 'http_presigned',
  sigV2: 'sigv2',
  /** HTTPS with TLS below 1.2. */
  legacyTls: 'tls_legacy',
  /** EC2 instance credentials used from outside AWS and outside the named networks. */
  ec2CredentialsOutsideAws: 'ec2_credentials_outside_aws',
  /** A client tally's request count. */
  requests: 'requests',
} as const;

export const COUNTER_PREFIXES = {
  reason: 'reason_',
  httpByNetwork: 'http_net_',
  httpInHour: 'http_hour_',
  httpDeniedInHour: 'http_denied_hour_',
  tlsVersion: 'tls_',
  operation: 'op_',
} as const;

export type Counters = Record<string, number>;

/**
 * Where counters come from: CloudTrail data events or S3 server access logs. Both may describe
 * the same requests, so they are never added together; the reports pick one per bucket.
 */
export type EvidenceKind = 'cloudtrail' | 'access-log';

export const EVIDENCE_SOURCES: readonly EvidenceKind[] = ['cloudtrail', 'access-log'];

/** The counters of one bucket in one UTC hour (`YYYY-MM-DDTHH`). */
export interface HourTally {
  kind: 'hour';
  source: EvidenceKind;
  bucket: string;
  hour: string;
  counters: Counters;
  /** Epoch seconds of plain-HTTP requests: the first and last of each commit, so min and max are exact. */
  seen: number[];
  /**
   * The same, of the plain-HTTP requests S3 refused and of those it served: whether anything was
   * served after the first refusal is exact to the second. Absent on tallies read from items
   * written before refusals were counted (see `lib/store/layout.ts`).
   */
  deniedSeen?: number[];
  servedSeen?: number[];
  /** `syncToken`s of the AWS ranges that classified these requests. */
  rangesSyncTokens: string[];
}

/** Who a client is and where it sends from, as the source classifier and the record tell. */
export interface ClientDescription {
  /** Short hash of address, principal, user agent and VPC endpoint: tells apart clients sharing an address. */
  clientId: string;
  address: string;
  class: string;
  principal: string;
  userAgent?: string;
  network?: string;
  awsService?: string;
  awsRegion?: string;
  vpcEndpointId?: string;
  vpcEndpointAccountId?: string;
  instanceId?: string;
  ec2Credentials?: string;
}

/**
 * One HTTP client (or HTTPS client with TLS-hygiene findings) of one bucket in one UTC day
 * (`YYYY-MM-DD`). A day, not an hour: a client that talks all day is one item, not 24, which is
 * most of what a commit writes (README, "The table"). Its plain-HTTP requests are also counted
 * per hour (`counter.httpInHour`), so a window cuts its HTTP count exactly; its other counters
 * are the day's.
 */
export interface ClientTally {
  kind: 'client';
  source: EvidenceKind;
  bucket: string;
  day: string;
  client: ClientDescription;
  counters: Counters;
  /**
   * Epoch seconds of the first and last plain-HTTP request folded into this tally, for the
   * commit (a new client's first-seen time). The client item does not keep them, its hours do
   * (`http_hour_HH`): kept per commit, they would grow the item with every commit of the day.
   * Empty for tallies read back from the store.
   */
  seen: number[];
  rangesSyncTokens: string[];
}

export type Tally = HourTally | ClientTally;

/** A stable identity for a tally: two tallies with the same identity add up into one stored item. */
export function tallyIdentity(tally: Tally): string {
  return tally.kind === 'hour'
    ? `${tally.source}\n${tally.bucket}\n${tally.hour}`
    : `${tally.source}\n${tally.bucket}\n${tally.day}\n${tally.client.address}\n${tally.client.clientId}`;
}

/**
 * Adds `source` into `target` (same identity): counters add, `seen` keeps only its extremes,
 * descriptions keep the first value (the store sets them once, `if_not_exists`).
 */
export function addTally(target: Tally, source: Tally): void {
  for (const [name, value] of Object.entries(source.counters))
    target.counters[name] = (target.counters[name] ?? 0) + value;
  const tokens = new Set([...target.rangesSyncTokens, ...source.rangesSyncTokens]);
  target.rangesSyncTokens = [...tokens].sort();
  target.seen = extremes(target.seen, source.seen);
  if (target.kind === 'hour' && source.kind === 'hour') {
    if (source.deniedSeen?.length) target.deniedSeen = extremes(target.deniedSeen ?? [], source.deniedSeen);
    if (source.servedSeen?.length) target.servedSeen = extremes(target.servedSeen ?? [], source.servedSeen);
  }
}

function extremes(target: readonly number[], source: readonly number[]): number[] {
  if (source.length === 0) return [...target];
  const all = [...target, ...source];
  return [Math.min(...all), Math.max(...all)];
}

/** Merges tallies of many files into one per identity, sorted by identity so the order is deterministic. */
export function mergeTallies(lists: Iterable<readonly Tally[]>): Tally[] {
  const merged = new Map<string, Tally>();
  for (const list of lists) {
    for (const tally of list) {
      const identity = tallyIdentity(tally);
      const existing = merged.get(identity);
      if (existing) addTally(existing, tally);
      else merged.set(identity, cloneTally(tally));
    }
  }
  return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, tally]) => tally);
}

function cloneTally(tally: Tally): Tally {
  return tally.kind === 'hour'
    ? {
        ...tally,
        counters: { ...tally.counters },
        seen: [...tally.seen],
        ...(tally.deniedSeen ? { deniedSeen: [...tally.deniedSeen] } : {}),
        ...(tally.servedSeen ? { servedSeen: [...tally.servedSeen] } : {}),
        rangesSyncTokens: [...tally.rangesSyncTokens],
      }
    : {
        ...tally,
        client: { ...tally.client },
        counters: { ...tally.counters },
        seen: [...tally.seen],
        rangesSyncTokens: [...tally.rangesSyncTokens],
      };
}

/** A cross-account request: counted only if its claim on the sharedEventID wins. */
export interface SharedRequestTallies {
  sharedEventId: string;
  tallies: Tally[];
}
