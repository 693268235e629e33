import { NO_BUCKET } from '../classify/bucket-target';
import { VERDICTS } from '../classify/verdict';
import type { TrailReading } from '../core/event-selectors';
import type { NewHttpClient } from '../core/http-identity';
import { counter, type EvidenceKind, type HourTally } from '../core/tally';
import type { TimeWindow } from '../core/time-window';
import type { CoverageReadings, TallyQueries } from '../store';
import { type BucketReport, selectEvidence, summarizeBucket } from './bucket-report';
import { type ClientReport, summarizeClients } from './clients';
import { type BucketCoverage, bucketCoverage } from './coverage';
import { type Enforcement, enforcementOf } from './enforcement';

/** Reports for one bucket or for every bucket in the index, sorted by bucket name: one Query per bucket. */
export async function loadBucketReports(
  store: Pick<TallyQueries, 'listBuckets' | 'hourTallies'>,
  options: { bucket?: string; window: TimeWindow; source?: EvidenceKind },
): Promise<BucketReport[]> {
  const buckets = options.bucket ? [options.bucket] : await store.listBuckets();
  const reports: BucketReport[] = [];
  for (const bucket of buckets) {
    const report = summarizeBucket(bucket, await store.hourTallies(bucket, options.window), {
      source: options.source,
    });
    if (report.total > 0 || options.bucket) reports.push(report);
  }
  return reports.sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
}

/**
 * The clients of one bucket in the window, most HTTP requests first, from the evidence source
 * the bucket's report uses (its hour tallies decide which).
 */
export async function loadClients(
  store: Pick<TallyQueries, 'hourTallies' | 'clientTallies'>,
  options: { bucket: string; window: TimeWindow; includeHygiene?: boolean; source?: EvidenceKind },
): Promise<{ source: EvidenceKind; clients: ClientReport[] }> {
  const [hours, tallies] = await Promise.all([
    store.hourTallies(options.bucket, options.window),
    store.clientTallies(options.bucket, options.window),
  ]);
  const evidence = selectEvidence(hours, tallies, options.source);
  return {
    source: evidence.source,
    clients: summarizeClients(evidence.clients, { window: options.window, includeHygiene: options.includeHygiene }),
  };
}

/**
 * What the window shows of enforcement on each bucket of `reports`, by bucket. Only a bucket with
 * refused requests costs a Query (its clients, to count the refused ones).
 */
/** A bucket's counters with what `report` shows beside them. */
export interface BucketListing extends BucketReport {
  /** What the trails log of the bucket, as `cleartrail coverage` last read it: no AWS call here. */
  coverage: BucketCoverage;
  enforcement: Enforcement;
}

/** The buckets as `report` and `analyze` list them: counters, coverage and enforcement. */
export async function loadBucketListing(
  store: Pick<TallyQueries, 'hourTallies' | 'clientTallies'> &
    Pick<CoverageReadings, 'trailReadings' | 'accessLogReadings'>,
  reports: readonly BucketReport[],
  window: TimeWindow,
): Promise<BucketListing[]> {
  const { coverage, trails } = await loadCoverage(
    store,
    reports.map((b) => b.bucket),
  );
  const enforcements = await loadEnforcements(store, reports, window);
  return reports.map((b) => ({
    ...b,
    coverage: coverage.get(b.bucket) ?? bucketCoverage(b.bucket, trails, undefined),
    enforcement: enforcements.get(b.bucket) ?? { state: 'none' },
  }));
}

export async function loadEnforcements(
  store: Pick<TallyQueries, 'hourTallies' | 'clientTallies'>,
  reports: readonly BucketReport[],
  window: TimeWindow,
): Promise<Map<string, Enforcement>> {
  const found = new Map<string, Enforcement>();
  for (const report of reports) {
    if (report.httpDenied <= 0) {
      found.set(report.bucket, { state: 'none' });
      continue;
    }
    const { clients } = await loadClients(store, { bucket: report.bucket, window, source: report.source });
    found.set(report.bucket, enforcementOf(report, clients));
  }
  return found;
}

/**
 * The plain-HTTP clients first seen in the window, on one bucket or on every bucket in the
 * index, oldest first: one Query per bucket. `notifiedAt` says when the Lambda's alert went out.
 */
export async function loadNewHttpClients(
  store: Pick<TallyQueries, 'listBuckets' | 'newHttpClients'>,
  options: { bucket?: string; window: TimeWindow },
): Promise<Array<NewHttpClient & { notifiedAt?: string }>> {
  const buckets = options.bucket ? [options.bucket] : await store.listBuckets();
  const found = await Promise.all(buckets.map((bucket) => store.newHttpClients(bucket, options.window)));
  return found
    .flat()
    .sort((a, b) => a.firstSeen - b.firstSeen || (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
}

/** What a readiness verdict on one bucket reads from the store (see `assessReadiness`). */
export interface ReadinessInputs {
  report: BucketReport;
  clients: ClientReport[];
  hourItemsHours: string[];
}

/** One Query for the bucket's hours and one for its clients in the window. */
export async function loadReadinessInputs(
  store: Pick<TallyQueries, 'hourTallies' | 'clientTallies'>,
  bucket: string,
  window: TimeWindow,
  source?: EvidenceKind,
): Promise<ReadinessInputs> {
  const [hours, clients] = await Promise.all([store.hourTallies(bucket, window), store.clientTallies(bucket, window)]);
  const evidence = selectEvidence(hours, clients, source);
  return {
    report: summarizeBucket(bucket, hours, { source: evidence.source }),
    clients: summarizeClients(evidence.clients, { window, includeHygiene: true }),
    hourItemsHours: hoursWithRecords(evidence.hours),
  };
}

/**
 * Readiness inputs for one bucket, or for every bucket of the index that has data in the
 * window (requests without a bucket left out), in index order.
 */
export async function loadReadinessInputsOfBuckets(
  store: Pick<TallyQueries, 'listBuckets' | 'hourTallies' | 'clientTallies'>,
  options: { bucket?: string; window: TimeWindow; source?: EvidenceKind },
): Promise<Array<{ bucket: string } & ReadinessInputs>> {
  const names = options.bucket ? [options.bucket] : (await store.listBuckets()).filter((name) => name !== NO_BUCKET);
  const loaded: Array<{ bucket: string } & ReadinessInputs> = [];
  for (const bucket of names) {
    const inputs = await loadReadinessInputs(store, bucket, options.window, options.source);
    if (inputs.report.total > 0 || options.bucket) loaded.push({ bucket, ...inputs });
  }
  return loaded;
}

/** Only asked when the window is empty: one Query over all the bucket's hours, for a hint. */
export async function latestHourWithData(
  store: Pick<TallyQueries, 'hourTallies'>,
  bucket: string,
): Promise<string | undefined> {
  return hoursWithRecords(await store.hourTallies(bucket, {}))
    .sort()
    .at(-1);
}

/** The hours of hour tallies that counted at least one request. */
export function hoursWithRecords(hourTallies: readonly HourTally[]): string[] {
  return hourTallies
    .filter((tally) => VERDICTS.some((verdict) => (tally.counters[counter.verdict(verdict)] ?? 0) > 0))
    .map((tally) => tally.hour);
}

/**
 * The coverage of each bucket from the readings the store keeps (no AWS call): one Query for
 * the trails and one for the access-log readings, whatever the number of buckets. The trails
 * come back too, for the command that would close a gap.
 */
export async function loadCoverage(
  store: Pick<CoverageReadings, 'trailReadings' | 'accessLogReadings'>,
  buckets: readonly string[],
): Promise<{ coverage: Map<string, BucketCoverage>; trails: TrailReading[] }> {
  const [trails, accessLogs] = await Promise.all([store.trailReadings(), store.accessLogReadings()]);
  const logging = new Map(accessLogs.map((reading) => [reading.bucket, reading]));
  return {
    coverage: new Map(buckets.map((bucket) => [bucket, bucketCoverage(bucket, trails, logging.get(bucket))])),
    trails,
  };
}
