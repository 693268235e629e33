import { ConflictingValuesError, EmptyWindowError, InvalidValueError } from '../core/errors';
import type { TrailReading } from '../core/event-selectors';
import type { TimeWindow } from '../core/time-window';
import { hourOf, hoursBetween, parseTimeWindow } from '../core/time-window';
import type { MinTlsVersion } from './bucket-policy';
import type { BucketReport } from './bucket-report';
import type { ClientReport } from './clients';
import { type BucketCoverage, type CoverageFix, coverageFix } from './coverage';

/**
 * "Can I turn HTTP off for this bucket?" answered from the aggregates, with the evidence.
 * Pure: the report, clients and hours come from lib/report/queries.ts and store.ts, or from a test.
 */

/** Above this share of `unknown` among client requests, the absence of HTTP proves too little. */
export const DEFAULT_MAX_UNKNOWN_SHARE = 0.01;

/**
 * Longest run of consecutive hours without any record of the bucket that still counts as a
 * quiet spell rather than a hole in the logging.
 *
 * Why a threshold and not "every hour must have data": hour items exist only for hours with
 * records, and a bucket used by a nightly job has 23 empty hours a day although its data
 * events are logged perfectly. What the rule is after is the other cause of empty hours: data
 * events not enabled for the bucket (or the trail stopped, or logs not analyzed yet), which
 * shows up as days of silence. 24 hours is the cautious default: a bucket touched at least
 * daily passes, and anything quieter is flagged for a human to look at the listed gaps, since
 * a client hiding in a logging hole is exactly what would break after enforcing. A bucket used
 * on weekdays only has ~62-hour weekend gaps: run it with `--max-gap-hours 72`; 0 demands a
 * record in every hour (busy buckets). Gaps at both ends of the window count too: a window that
 * starts before the data does is not covered.
 */
export const DEFAULT_MAX_GAP_HOURS = 24;

/** HTTP and TLS-hygiene clients listed in a reason or warning at most. */
export const LISTED_CLIENTS = 20;
/** Gaps listed in a `coverage-gaps` reason at most (the total is always given). */
export const LISTED_GAPS = 50;

/** The window `enforce-check` judges when none is given: this many days up to the current hour. */
export const DEFAULT_READINESS_DAYS = 30;

/**
 * The closed window a readiness verdict is about, from an optional start and end (as
 * `parseTimeWindow` reads them) or a number of days: an open end closes at the current hour,
 * an open start `days` days (default {@link DEFAULT_READINESS_DAYS}) before the end. A verdict
 * judges up to now, because a client that stopped sending logs is still a client.
 *
 * @throws ConflictingValuesError when both a start and `days` are given; InvalidValueError for
 *   days below 1; EmptyWindowError when the start is after the end.
 */
export function readinessWindow(
  given: { since?: string; until?: string; days?: number },
  now: Date,
): { fromHour: string; toHour: string } {
  if (given.days !== undefined && given.since !== undefined)
    throw new ConflictingValuesError(['number of days', 'window start']);
  const days = given.days ?? DEFAULT_READINESS_DAYS;
  if (!Number.isInteger(days) || days < 1)
    throw new InvalidValueError('number of days', String(days), 'is not a whole number >= 1');
  const parsed = parseTimeWindow(given.since, given.until, now);
  const toHour = parsed.toHour ?? hourOf(now);
  const fromHour = parsed.fromHour ?? hourOf(new Date(Date.parse(`${toHour}:00:00Z`) - (days * 24 - 1) * 3_600_000));
  if (fromHour > toHour) {
    throw new EmptyWindowError(
      { value: given.since ?? fromHour, hour: fromHour },
      { ...(given.until !== undefined ? { value: given.until } : {}), hour: toHour },
    );
  }
  return { fromHour, toHour };
}

/**
 * Closes a report's window over the data it shows, for readiness verdicts on a page of
 * several buckets: an open end closes at the latest hour with data (else the current hour),
 * an open start at the earliest (else the end), so that the page judges the data it draws.
 * `enforce-check`, by contrast, judges up to now ({@link readinessWindow}).
 */
export function closeWindowOverData(
  window: TimeWindow,
  reports: ReadonlyArray<Pick<BucketReport, 'firstHour' | 'lastHour'>>,
  now: Date,
): { fromHour: string; toHour: string } {
  const firstHours = reports.map((r) => r.firstHour).filter((h): h is string => h !== undefined);
  const lastHours = reports.map((r) => r.lastHour).filter((h): h is string => h !== undefined);
  const toHour = window.toHour ?? lastHours.sort().at(-1) ?? hourOf(now);
  const fromHour = window.fromHour ?? firstHours.sort()[0] ?? toHour;
  return { fromHour, toHour };
}

export interface ReadinessThresholds {
  /** Largest acceptable share of `unknown` among client (http + https + unknown) requests; default 0.01. */
  maxUnknownShare?: number;
  /** Longest acceptable run of hours without records; default {@link DEFAULT_MAX_GAP_HOURS}. */
  maxGapHours?: number;
}

export interface ReadinessInput {
  bucket: string;
  /** Inclusive UTC hours `YYYY-MM-DDTHH`, both set. */
  window: { fromHour: string; toHour: string };
  report: BucketReport;
  /** The bucket's clients in the window, hygiene-only ones included (`includeHygiene`). */
  clients: readonly ClientReport[];
  /** Hours of the window that have any record of the bucket. */
  hourItemsHours: readonly string[];
  thresholds?: ReadinessThresholds;
  /** With a minimum TLS version, clients below it block the verdict instead of only warning. */
  minTlsVersion?: MinTlsVersion;
  /** The latest hour with a record outside the window, if known: helps a `no-data` verdict. */
  lastHourOutsideWindow?: string;
  /**
   * What the trails record of the bucket, as the store knows it (lib/report/coverage.ts), and
   * the trails read, for the command that would close a gap. Absent: not asked, and not judged.
   */
  coverage?: { bucket: BucketCoverage; trails: readonly TrailReading[] };
}

export interface CoverageGap {
  from: string;
  to: string;
  hours: number;
}

/** A client as listed in a reason: the report row without its long tail of counters. */
export type ListedClient = Pick<
  ClientReport,
  | 'address'
  | 'class'
  | 'network'
  | 'awsRange'
  | 'principal'
  | 'instanceId'
  | 'userAgent'
  | 'vpcEndpointId'
  | 'count'
  | 'https'
  | 'lastHttpHour'
  | 'tlsVersions'
  | 'findings'
>;

export type ReadinessReason =
  | {
      code: 'http-clients';
      /** `requests` counts every HTTP request, `websiteHttp` of them went to the website endpoint. */
      detail: { requests: number; websiteHttp: number; clientCount: number; clients: ListedClient[] };
    }
  | { code: 'website-endpoint'; detail: { requests: number; http: number } }
  | { code: 'unknown-share'; detail: { unknown: number; clientRequests: number; share: number; maxShare: number } }
  | {
      code: 'coverage-gaps';
      detail: {
        maxGapHours: number;
        hoursInWindow: number;
        hoursWithoutData: number;
        gapCount: number;
        gaps: CoverageGap[];
      };
    }
  | { code: 'no-data'; detail: { hoursInWindow: number; lastHourOutsideWindow?: string } }
  | { code: 'legacy-tls'; detail: HygieneDetail & { minTlsVersion: MinTlsVersion } }
  | { code: 'not-logged'; detail: NotLoggedDetail };

/** A part of the bucket's requests that no source records: HTTP there would be invisible. */
export interface NotLoggedDetail {
  part: 'reads' | 'writes';
  state: 'not-logged' | 'partial';
  /** Which selector or trail leaves them out, or what is missing. */
  why: string[];
  /** `on` when access logging is on but its logs are not what the figures come from. */
  accessLogs: 'on' | 'off' | 'not read';
  fix: CoverageFix;
}

export interface HygieneDetail {
  requests: number;
  clients: ListedClient[];
}

/** Non-blocking: worth fixing, but denying plain HTTP does not break these clients. */
export type ReadinessWarning =
  | { code: 'legacy-tls'; detail: HygieneDetail }
  | { code: 'sig-v2'; detail: HygieneDetail }
  | { code: 'presigned-http'; detail: HygieneDetail }
  | { code: 'ec2-credentials-outside-aws'; detail: HygieneDetail }
  | { code: 'coverage-unknown'; detail: { bucket: string } };

/**
 * `cannot-tell`: nothing seen blocks, but a part of the bucket's requests is not logged by any
 * source, so the absence of HTTP there proves nothing.
 */
export type ReadinessVerdict = 'ready' | 'not-ready' | 'cannot-tell';

export interface ReadinessResult {
  bucket: string;
  verdict: ReadinessVerdict;
  reasons: ReadinessReason[];
  warnings: ReadinessWarning[];
  window: { fromHour: string; toHour: string };
  thresholds: Required<ReadinessThresholds>;
  evidence: {
    http: number;
    https: number;
    service: number;
    unknown: number;
    /** http + https + unknown: the requests a client sent over the network. */
    clientRequests: number;
    httpShare: number;
    websiteRequests: number;
    hoursInWindow: number;
    hoursWithData: number;
    firstHour?: string;
    lastHour?: string;
    lastHttpSeen?: string;
  };
}

/**
 * What every readiness rule sees: the input, the thresholds with their defaults, and the facts
 * about the window computed once.
 */
export interface ReadinessContext {
  input: ReadinessInput;
  thresholds: Required<ReadinessThresholds>;
  /** Every hour of the window, in order. */
  windowHours: readonly string[];
  /** The hours of the window that have any record of the bucket. */
  withData: ReadonlySet<string>;
  /** http + https + unknown. */
  clientRequests: number;
}

/** What one rule found; `final` stops the rules after it (nothing left worth judging). */
export interface RuleOutcome {
  reasons?: ReadinessReason[];
  warnings?: ReadinessWarning[];
  final?: boolean;
}

/** One check of a bucket's readiness: blocking findings are reasons, the others warnings. */
export type ReadinessRule = (context: ReadinessContext) => RuleOutcome | undefined;

/** Nothing to judge: every other rule would pass vacuously, which is the dangerous answer. */
export function noDataRule({ input, windowHours, withData }: ReadinessContext): RuleOutcome | undefined {
  if (input.report.total !== 0 || withData.size !== 0) return undefined;
  return {
    reasons: [
      {
        code: 'no-data',
        detail: stripUndefined({
          hoursInWindow: windowHours.length,
          lastHourOutsideWindow: input.lastHourOutsideWindow,
        }),
      },
    ],
    final: true,
  };
}

/** Plain-HTTP requests to the REST endpoint; the website endpoint has a rule of its own. */
export function httpClientsRule({ input }: ReadinessContext): RuleOutcome | undefined {
  const { report } = input;
  // Website-endpoint requests are plain HTTP by design; they get their own reason, because the
  // fix is different (CloudFront in front of the bucket), not "move the client to HTTPS".
  const restHttp = report.http - report.website.http;
  if (restHttp <= 0) return undefined;
  const httpClients = input.clients.filter((client) => client.count > 0);
  return {
    reasons: [
      {
        code: 'http-clients',
        detail: {
          requests: report.http,
          websiteHttp: report.website.http,
          clientCount: httpClients.length,
          clients: httpClients.slice(0, LISTED_CLIENTS).map(listed),
        },
      },
    ],
  };
}

/** The website endpoint serves HTTP only: denying HTTP takes the website down. */
export function websiteEndpointRule({ input }: ReadinessContext): RuleOutcome | undefined {
  const { website } = input.report;
  if (website.requests <= 0) return undefined;
  return { reasons: [{ code: 'website-endpoint', detail: { requests: website.requests, http: website.http } }] };
}

/** Too many client requests that cannot tell HTTP from HTTPS. */
export function unknownShareRule({ input, thresholds, clientRequests }: ReadinessContext): RuleOutcome | undefined {
  if (clientRequests <= 0) return undefined;
  const { unknown } = input.report;
  const share = unknown / clientRequests;
  if (!(share > thresholds.maxUnknownShare)) return undefined;
  return {
    reasons: [
      { code: 'unknown-share', detail: { unknown, clientRequests, share, maxShare: thresholds.maxUnknownShare } },
    ],
  };
}

/** Runs of hours without any record, longer than `maxGapHours` (see {@link DEFAULT_MAX_GAP_HOURS}). */
export function coverageGapsRule({ thresholds, windowHours, withData }: ReadinessContext): RuleOutcome | undefined {
  const gaps = findGaps(windowHours, withData).filter((gap) => gap.hours > thresholds.maxGapHours);
  if (gaps.length === 0) return undefined;
  return {
    reasons: [
      {
        code: 'coverage-gaps',
        detail: {
          maxGapHours: thresholds.maxGapHours,
          hoursInWindow: windowHours.length,
          hoursWithoutData: windowHours.length - withData.size,
          gapCount: gaps.length,
          gaps: gaps.slice(0, LISTED_GAPS),
        },
      },
    ],
  };
}

/**
 * Reads or writes that no source records: HTTP among them would never show, so no verdict can
 * rest on their absence. Figures from access logs record every request (they were analysed,
 * or the bucket would have none); figures from CloudTrail rest on the trails' selectors. A
 * coverage never read is a warning that says how to read it.
 */
export function loggingCoverageRule({ input }: ReadinessContext): RuleOutcome | undefined {
  if (!input.coverage || input.report.source === 'access-log') return undefined;
  const { bucket: coverage, trails } = input.coverage;
  const cloudTrail = coverage.cloudTrail;
  if (cloudTrail.reads === 'unknown' || cloudTrail.writes === 'unknown')
    return { warnings: [{ code: 'coverage-unknown', detail: { bucket: input.bucket } }] };
  const accessLogs = coverage.accessLogs ? (coverage.accessLogs.enabled ? 'on' : 'off') : 'not read';
  const reasons: ReadinessReason[] = [];
  for (const part of ['reads', 'writes'] as const) {
    const state = cloudTrail[part];
    if (state !== 'not-logged' && state !== 'partial') continue;
    const logBucket = trails.find((trail) => trail.logBucket !== undefined)?.logBucket;
    reasons.push({
      code: 'not-logged',
      detail: {
        part,
        state,
        why: cloudTrail.why?.[part] ?? [],
        accessLogs,
        fix: coverageFix(input.bucket, trails, coverage.accessLogs?.targetBucket ?? logBucket),
      },
    });
  }
  return reasons.length > 0 ? { reasons } : undefined;
}

/** TLS below 1.2: a warning, or a blocking reason when the policy sets a TLS minimum. */
export function legacyTlsRule({ input }: ReadinessContext): RuleOutcome | undefined {
  const requests = input.report.findings.legacyTls;
  if (requests <= 0) return undefined;
  const detail = hygiene(input.clients, requests, (f) => f.legacyTls);
  // With a minimum TLS version in the policy these clients are denied too: a blocking reason.
  if (input.minTlsVersion)
    return { reasons: [{ code: 'legacy-tls', detail: { ...detail, minTlsVersion: input.minTlsVersion } }] };
  return { warnings: [{ code: 'legacy-tls', detail }] };
}

/** Requests signed with SigV2. */
export function sigV2Rule({ input }: ReadinessContext): RuleOutcome | undefined {
  const requests = input.report.findings.sigV2;
  if (requests <= 0) return undefined;
  return { warnings: [{ code: 'sig-v2', detail: hygiene(input.clients, requests, (f) => f.sigV2) }] };
}

/** Presigned URLs sent over HTTP: the signature travelled in clear. */
export function presignedHttpRule({ input }: ReadinessContext): RuleOutcome | undefined {
  const requests = input.report.findings.presignedHttp;
  if (requests <= 0) return undefined;
  return { warnings: [{ code: 'presigned-http', detail: hygiene(input.clients, requests, (f) => f.presignedHttp) }] };
}

/** EC2 instance credentials used from outside AWS. */
export function ec2CredentialsOutsideAwsRule({ input }: ReadinessContext): RuleOutcome | undefined {
  const requests = input.report.findings.ec2CredentialsOutsideAws;
  if (requests <= 0) return undefined;
  return {
    warnings: [
      {
        code: 'ec2-credentials-outside-aws',
        detail: hygiene(input.clients, requests, (f) => f.ec2CredentialsOutsideAws),
      },
    ],
  };
}

/**
 * The rules `assessReadiness` runs, in this order; the order is the order of the reasons and
 * warnings in the result.
 */
export const READINESS_RULES: readonly ReadinessRule[] = [
  noDataRule,
  httpClientsRule,
  websiteEndpointRule,
  unknownShareRule,
  coverageGapsRule,
  loggingCoverageRule,
  legacyTlsRule,
  sigV2Rule,
  presignedHttpRule,
  ec2CredentialsOutsideAwsRule,
];

/**
 * Decides whether a `DenyInsecureTransport` bucket policy can be applied without breaking
 * anyone, from what the window shows. `not-ready` carries every reason that applies:
 * `http-clients` (plain-HTTP requests to the REST endpoint, with the clients), `website-endpoint`
 * (the website endpoint has no HTTPS at all), `unknown-share` (too many records that cannot
 * tell), `coverage-gaps` (runs of hours without any record, longer than `maxGapHours`),
 * `no-data` (no record at all), and `legacy-tls` when `minTlsVersion` is asked for and clients
 * use an older TLS. Hygiene findings that enforcing would not break are `warnings`.
 * Each check is one rule of {@link READINESS_RULES}.
 *
 * @example
 * const result = assessReadiness({ bucket, window: { fromHour: '2026-11-01T00', toHour: '2026-11-30T23' }, report, clients, hourItemsHours });
 * if (result.verdict === 'ready') console.log(JSON.stringify(enforceHttpsPolicy(bucket), null, 2));
 */
export function assessReadiness(input: ReadinessInput): ReadinessResult {
  const context = readinessContext(input);
  const reasons: ReadinessReason[] = [];
  const warnings: ReadinessWarning[] = [];
  for (const rule of READINESS_RULES) {
    const outcome = rule(context);
    if (!outcome) continue;
    reasons.push(...(outcome.reasons ?? []));
    warnings.push(...(outcome.warnings ?? []));
    if (outcome.final) break;
  }
  return {
    bucket: input.bucket,
    verdict: verdictOf(reasons),
    reasons,
    warnings,
    window: { ...input.window },
    thresholds: context.thresholds,
    evidence: readinessEvidence(context),
  };
}

/** Ready without reasons; cannot tell when every reason is a part that is not logged; else not ready. */
function verdictOf(reasons: readonly ReadinessReason[]): ReadinessVerdict {
  if (reasons.length === 0) return 'ready';
  return reasons.every((reason) => reason.code === 'not-logged') ? 'cannot-tell' : 'not-ready';
}

/** Checks the window and thresholds and computes what every rule needs. */
function readinessContext(input: ReadinessInput): ReadinessContext {
  const { window, report } = input;
  if (!window.fromHour || !window.toHour || window.fromHour > window.toHour) {
    throw new RangeError(`readiness needs a closed window, got ${JSON.stringify(window)}`);
  }
  const thresholds: Required<ReadinessThresholds> = {
    maxUnknownShare: input.thresholds?.maxUnknownShare ?? DEFAULT_MAX_UNKNOWN_SHARE,
    maxGapHours: input.thresholds?.maxGapHours ?? DEFAULT_MAX_GAP_HOURS,
  };
  if (!(thresholds.maxUnknownShare >= 0 && thresholds.maxUnknownShare <= 1)) {
    throw new RangeError(`maxUnknownShare ${thresholds.maxUnknownShare} is not between 0 and 1`);
  }
  if (!Number.isInteger(thresholds.maxGapHours) || thresholds.maxGapHours < 0) {
    throw new RangeError(`maxGapHours ${thresholds.maxGapHours} is not a whole number of hours >= 0`);
  }
  const windowHours = hoursBetween(window.fromHour, window.toHour);
  const withData = new Set(input.hourItemsHours.filter((hour) => hour >= window.fromHour && hour <= window.toHour));
  return { input, thresholds, windowHours, withData, clientRequests: report.http + report.https + report.unknown };
}

function readinessEvidence({
  input,
  windowHours,
  withData,
  clientRequests,
}: ReadinessContext): ReadinessResult['evidence'] {
  const { report } = input;
  return stripUndefined({
    http: report.http,
    https: report.https,
    service: report.service,
    unknown: report.unknown,
    clientRequests,
    httpShare: report.httpShare,
    websiteRequests: report.website.requests,
    hoursInWindow: windowHours.length,
    hoursWithData: withData.size,
    firstHour: report.firstHour,
    lastHour: report.lastHour,
    lastHttpSeen: report.lastHttpSeen,
  });
}

/** The clients behind a hygiene finding, most requests first. */
function hygiene(
  clients: readonly ClientReport[],
  requests: number,
  pick: (f: ClientReport['findings']) => number,
): HygieneDetail {
  return {
    requests,
    clients: clients
      .filter((client) => pick(client.findings) > 0)
      .sort(
        (a, b) => pick(b.findings) - pick(a.findings) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0),
      )
      .slice(0, LISTED_CLIENTS)
      .map(listed),
  };
}

/** Maximal runs of consecutive hours of `hours` (sorted, contiguous) that are not in `withData`. */
export function findGaps(hours: readonly string[], withData: ReadonlySet<string>): CoverageGap[] {
  const gaps: CoverageGap[] = [];
  let start = -1;
  for (let i = 0; i <= hours.length; i++) {
    const empty = i < hours.length && !withData.has(hours[i] as string);
    if (empty && start < 0) start = i;
    if (!empty && start >= 0) {
      gaps.push({ from: hours[start] as string, to: hours[i - 1] as string, hours: i - start });
      start = -1;
    }
  }
  return gaps;
}

/** One sentence per reason or warning, for the CLI and the HTML report. */
export function describeReason(reason: ReadinessReason | ReadinessWarning): string {
  switch (reason.code) {
    case 'http-clients': {
      const d = reason.detail;
      const website = d.websiteHttp > 0 ? ` (${d.websiteHttp} of them to the website endpoint)` : '';
      return `${d.requests} plain-HTTP ${plural(d.requests, 'request')}${website} from ${d.clientCount} ${plural(d.clientCount, 'client')}: a SecureTransport deny would answer them 403`;
    }
    case 'website-endpoint':
      return `${reason.detail.requests} ${plural(reason.detail.requests, 'request')} to the S3 website endpoint, which serves HTTP only: denying HTTP would take the website down (put CloudFront in front first)`;
    case 'unknown-share': {
      const d = reason.detail;
      return `${d.unknown} of ${d.clientRequests} client requests (${pct(d.share)}) carry no evidence of TLS either way, above the ${pct(d.maxShare)} allowed: HTTP among them cannot be ruled out`;
    }
    case 'coverage-gaps': {
      const d = reason.detail;
      const listed = d.gaps
        .slice(0, 3)
        .map((gap) => (gap.from === gap.to ? `${gap.from} (1 h)` : `${gap.from}..${gap.to} (${gap.hours} h)`))
        .join(', ');
      const more = d.gapCount > 3 ? ` and ${d.gapCount - 3} more` : '';
      return `${d.gapCount} ${plural(d.gapCount, 'run')} of more than ${d.maxGapHours} hours without any record of the bucket (${d.hoursWithoutData} of ${d.hoursInWindow} hours empty): ${listed}${more}. S3 data events may not be enabled for it, or those logs were not analyzed`;
    }
    case 'no-data': {
      const d = reason.detail;
      const hint = d.lastHourOutsideWindow
        ? `; the latest record is from ${d.lastHourOutsideWindow} (to judge that period: --until ${d.lastHourOutsideWindow}:00Z)`
        : '';
      return `no record of the bucket at all in the ${d.hoursInWindow} hours of the window${hint}: are S3 data events enabled for it and its logs analyzed?`;
    }
    case 'legacy-tls': {
      const d = reason.detail;
      const blocking =
        'minTlsVersion' in d
          ? `: a TLS ${d.minTlsVersion} minimum would deny them`
          : '; upgrade them before adding a TLS 1.2 minimum (--min-tls 1.2)';
      return `${d.requests} HTTPS ${plural(d.requests, 'request')} on TLS below 1.2 from ${d.clients.length} ${plural(d.clients.length, 'client')}${blocking}`;
    }
    case 'sig-v2':
      return `${reason.detail.requests} ${plural(reason.detail.requests, 'request')} signed with SigV2, which S3 is retiring`;
    case 'presigned-http':
      return `${reason.detail.requests} ${plural(reason.detail.requests, 'request')} with a presigned URL over HTTP: the signature travelled in clear, and anyone who saw it can replay it until it expires`;
    case 'ec2-credentials-outside-aws':
      return `${reason.detail.requests} ${plural(reason.detail.requests, 'request')} with EC2 instance credentials from outside AWS: possibly stolen credentials`;
    case 'not-logged': {
      const d = reason.detail;
      const logs =
        d.accessLogs === 'on'
          ? '; server access logging is on: analyze those logs and judge with --source access-log'
          : d.accessLogs === 'off'
            ? '; server access logging is off'
            : '';
      return `${d.part} are ${d.state === 'partial' ? 'only partly logged' : 'not logged'} by any trail read: ${d.why.join('; ')}${logs}. Plain HTTP among them would never show`;
    }
    case 'coverage-unknown':
      return `cannot tell whether the trails record reads and writes of ${reason.detail.bucket}: their event selectors were never read. Read them: cleartrail coverage --bucket ${reason.detail.bucket} (AWS credentials), or cleartrail coverage --selectors FILE with the output of aws cloudtrail get-event-selectors --trail-name TRAIL`;
  }
}

function listed(client: ClientReport): ListedClient {
  return stripUndefined({
    address: client.address,
    class: client.class,
    network: client.network,
    awsRange: client.awsRange,
    principal: client.principal,
    instanceId: client.instanceId,
    userAgent: client.userAgent,
    vpcEndpointId: client.vpcEndpointId,
    count: client.count,
    https: client.https,
    lastHttpHour: client.lastHttpHour,
    tlsVersions: client.tlsVersions,
    findings: client.findings,
  });
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
