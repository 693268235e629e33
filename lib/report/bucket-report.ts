import { VERDICTS } from '../classify/verdict';
import {
  type ClientTally,
  COUNTER_PREFIXES,
  counter,
  EVIDENCE_SOURCES,
  type EvidenceKind,
  type HourTally,
} from '../core/tally';

/** The HTTP source classes a report breaks down (`aws-service` cannot send HTTP: it is never an address). */
export const HTTP_SOURCE_CLASSES = ['external', 'ec2', 'vpc-endpoint', 'private', 'aws'] as const;
export type HttpSourceClass = (typeof HTTP_SOURCE_CLASSES)[number];

export interface DailyCounts {
  day: string;
  http: number;
  https: number;
  service: number;
  unknown: number;
}

/** The verdict counts of one evidence source, for setting two sources side by side. */
export interface SourceCounts {
  http: number;
  https: number;
  service: number;
  unknown: number;
}

export interface BucketReport {
  bucket: string;
  /** Where the figures come from: CloudTrail where the bucket has CloudTrail records, else access logs. */
  source: EvidenceKind;
  /** Only when both sources have records of the bucket in the window: each one's counts, a free cross-check. */
  bySource?: Record<EvidenceKind, SourceCounts>;
  http: number;
  /** The plain-HTTP requests S3 refused (`AccessDenied`): part of `http`, which counts every plain-HTTP request. */
  httpDenied: number;
  https: number;
  service: number;
  unknown: number;
  total: number;
  /** HTTP requests over HTTP plus HTTPS requests: the share of client traffic still in clear. */
  httpShare: number;
  httpSources: Record<HttpSourceClass, number>;
  httpNetworks: Record<string, number>;
  tlsVersions: Record<string, number>;
  reasons: Record<string, number>;
  website: { requests: number; http: number };
  findings: { legacyTls: number; sigV2: number; presignedHttp: number; ec2CredentialsOutsideAws: number };
  firstHour?: string;
  lastHour?: string;
  /** ISO time of the latest HTTP request in the window. */
  lastHttpSeen?: string;
  /** ISO times of the first and last refused plain-HTTP request in the window. */
  firstDeniedSeen?: string;
  lastDeniedSeen?: string;
  /** ISO time of the latest plain-HTTP request S3 served (did not refuse) in the window. */
  lastServedSeen?: string;
  /** Hours in the window that have any record of this bucket. */
  hoursWithData: number;
  daily: DailyCounts[];
  rangesSyncTokens: string[];
}

/** A report of a bucket with no request, the start of every fold. */
export function emptyBucketReport(bucket: string): BucketReport {
  return {
    bucket,
    source: 'cloudtrail',
    http: 0,
    httpDenied: 0,
    https: 0,
    service: 0,
    unknown: 0,
    total: 0,
    httpShare: 0,
    httpSources: { external: 0, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
    httpNetworks: {},
    tlsVersions: {},
    reasons: {},
    website: { requests: 0, http: 0 },
    findings: { legacyTls: 0, sigV2: 0, presignedHttp: 0, ec2CredentialsOutsideAws: 0 },
    hoursWithData: 0,
    daily: [],
    rangesSyncTokens: [],
  };
}

/** A bucket's tallies of the one evidence source its figures come from. */
export interface EvidenceSelection {
  source: EvidenceKind;
  hours: HourTally[];
  clients: ClientTally[];
  /** Each source's counts, when both have records in the window. */
  bySource?: Record<EvidenceKind, SourceCounts>;
}

/**
 * Picks the evidence a bucket's figures come from, so that a request seen by both CloudTrail and
 * an access log is never counted twice: `forced` when given, else CloudTrail where it has any
 * record of the bucket (it carries more: VPC endpoints, EC2 instance credentials), else access logs.
 */
export function selectEvidence(
  hourTallies: readonly HourTally[],
  clientTallies: readonly ClientTally[],
  forced?: EvidenceKind,
): EvidenceSelection {
  const counts = new Map<EvidenceKind, SourceCounts>();
  for (const tally of hourTallies) {
    // Items written before tallies had a source are CloudTrail's.
    const source = tally.source ?? 'cloudtrail';
    let sum = counts.get(source);
    if (!sum) {
      sum = { http: 0, https: 0, service: 0, unknown: 0 };
      counts.set(source, sum);
    }
    for (const verdict of VERDICTS) sum[verdict] += numberOf(tally.counters[counter.verdict(verdict)]);
  }
  const withRecords = EVIDENCE_SOURCES.filter((source) => {
    const sum = counts.get(source);
    return sum !== undefined && sum.http + sum.https + sum.service + sum.unknown > 0;
  });
  const source = forced ?? withRecords[0] ?? 'cloudtrail';
  const selection: EvidenceSelection = {
    source,
    hours: hourTallies.filter((tally) => (tally.source ?? 'cloudtrail') === source),
    clients: clientTallies.filter((tally) => (tally.source ?? 'cloudtrail') === source),
  };
  if (withRecords.length === EVIDENCE_SOURCES.length) {
    selection.bySource = Object.fromEntries(
      EVIDENCE_SOURCES.map((name) => [name, counts.get(name) as SourceCounts]),
    ) as Record<EvidenceKind, SourceCounts>;
  }
  return selection;
}

/**
 * Folds a bucket's hour tallies into one report, from one evidence source (see selectEvidence).
 * Pure: the tallies come from the store, or from a test.
 */
export function summarizeBucket(
  bucket: string,
  allHourTallies: readonly HourTally[],
  options: { source?: EvidenceKind } = {},
): BucketReport {
  const evidence = selectEvidence(allHourTallies, [], options.source);
  const hourTallies = evidence.hours;
  const report = emptyBucketReport(bucket);
  report.source = evidence.source;
  if (evidence.bySource) report.bySource = evidence.bySource;
  const daily = new Map<string, DailyCounts>();
  const tokens = new Set<string>();
  let lastHttp = 0;
  let firstDenied = Number.POSITIVE_INFINITY;
  let lastDenied = 0;
  let lastServed = 0;
  for (const tally of hourTallies) {
    const item = tally.counters;
    const hour = tally.hour;
    const day = hour.slice(0, 10);
    let dayCounts = daily.get(day);
    if (!dayCounts) {
      dayCounts = { day, http: 0, https: 0, service: 0, unknown: 0 };
      daily.set(day, dayCounts);
    }
    let any = false;
    for (const verdict of VERDICTS) {
      const count = numberOf(item[counter.verdict(verdict)]);
      report[verdict] += count;
      dayCounts[verdict] += count;
      if (count > 0) any = true;
    }
    if (any) {
      report.hoursWithData++;
      if (!report.firstHour || hour < report.firstHour) report.firstHour = hour;
      if (!report.lastHour || hour > report.lastHour) report.lastHour = hour;
    }
    for (const sourceClass of HTTP_SOURCE_CLASSES)
      report.httpSources[sourceClass] += numberOf(item[counter.httpBySource(sourceClass)]);
    for (const [name, value] of Object.entries(item)) {
      if (name.startsWith(COUNTER_PREFIXES.httpByNetwork))
        addTo(report.httpNetworks, name.slice(COUNTER_PREFIXES.httpByNetwork.length), value);
      else if (name.startsWith(COUNTER_PREFIXES.reason))
        addTo(report.reasons, name.slice(COUNTER_PREFIXES.reason.length), value);
      else if (name.startsWith(COUNTER_PREFIXES.tlsVersion) && name !== counter.legacyTls) {
        addTo(report.tlsVersions, name.slice(COUNTER_PREFIXES.tlsVersion.length), value);
      }
    }
    report.website.requests += numberOf(item[counter.website]);
    report.website.http += numberOf(item[counter.websiteHttp]);
    report.findings.legacyTls += numberOf(item[counter.legacyTls]);
    report.findings.sigV2 += numberOf(item[counter.sigV2]);
    report.findings.presignedHttp += numberOf(item[counter.presignedHttp]);
    report.findings.ec2CredentialsOutsideAws += numberOf(item[counter.ec2CredentialsOutsideAws]);
    for (const token of tally.rangesSyncTokens) tokens.add(token);
    for (const time of tally.seen) if (time > lastHttp) lastHttp = time;
    report.httpDenied += numberOf(item[counter.httpDenied]);
    for (const time of tally.deniedSeen ?? []) {
      if (time < firstDenied) firstDenied = time;
      if (time > lastDenied) lastDenied = time;
    }
    for (const time of tally.servedSeen ?? []) if (time > lastServed) lastServed = time;
  }
  if (lastHttp > 0) report.lastHttpSeen = isoTime(lastHttp);
  if (lastDenied > 0) {
    report.firstDeniedSeen = isoTime(firstDenied);
    report.lastDeniedSeen = isoTime(lastDenied);
  }
  if (lastServed > 0) report.lastServedSeen = isoTime(lastServed);
  report.total = report.http + report.https + report.service + report.unknown;
  const clientTraffic = report.http + report.https;
  report.httpShare = clientTraffic === 0 ? 0 : report.http / clientTraffic;
  report.daily = [...daily.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  report.rangesSyncTokens = [...tokens].sort();
  return report;
}

/** Worst first: most HTTP requests, then highest HTTP share, then by name. */
export function compareByRisk(a: BucketReport, b: BucketReport): number {
  return b.http - a.http || b.httpShare - a.httpShare || (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0);
}

function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

function addTo(target: Record<string, number>, key: string, value: number): void {
  target[key] = (target[key] ?? 0) + value;
}

function numberOf(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
