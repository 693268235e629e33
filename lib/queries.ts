import { type ClientReport, summarizeClients } from './clients';
import { type BucketReport, summarizeBucket, type TimeWindow } from './report';
import type { AggregateStore } from './store';

/**
 * Reports for one bucket or for every bucket in the index, sorted by bucket name. Two Queries
 * per bucket: its hour tallies and its client tallies in the window.
 */
export async function loadBucketReports(
  store: AggregateStore,
  options: { bucket?: string; window: TimeWindow },
): Promise<BucketReport[]> {
  const buckets = options.bucket ? [options.bucket] : await store.listBuckets();
  const reports: BucketReport[] = [];
  for (const bucket of buckets) {
    const [hours, clients] = await Promise.all([
      store.hourTallies(bucket, options.window),
      store.clientTallies(bucket, options.window),
    ]);
    const report = summarizeBucket(bucket, hours, clients);
    if (report.total > 0 || options.bucket) reports.push(report);
  }
  return reports.sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
}

/** The clients of one bucket in the window, most HTTP requests first. */
export async function loadClients(
  store: AggregateStore,
  options: { bucket: string; window: TimeWindow; includeHygiene?: boolean },
): Promise<ClientReport[]> {
  const tallies = await store.clientTallies(options.bucket, options.window);
  return summarizeClients(tallies, { includeHygiene: options.includeHygiene });
}
