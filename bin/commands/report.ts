import { writeFile } from 'node:fs/promises';
import { parseTimeWindow } from '../../lib/core/time-window';
import { compareByRisk } from '../../lib/report/bucket-report';
import { coverageCode } from '../../lib/report/coverage';
import { type Enforcement, enforcementOf } from '../../lib/report/enforcement';
import {
  loadBucketListing,
  loadBucketReports,
  loadCoverage,
  loadReadinessInputsOfBuckets,
} from '../../lib/report/queries';
import { assessReadiness, closeWindowOverData } from '../../lib/report/readiness';
import type { CoverageReadings, TallyQueries } from '../../lib/store';
import { type Command, parseSourceOption, type Values, withStore } from '../options';
import { type HtmlBucket, renderHtmlReport } from '../render/html';
import { note, print, printJson, usageError } from '../render/output';
import { bucketListingText, csv } from '../render/tables';

const CSV_COLUMNS = [
  'bucket',
  'http',
  'http_denied',
  'https',
  'service',
  'unknown',
  'http_share',
  'http_external',
  'http_ec2',
  'http_vpc_endpoint',
  'http_private',
  'http_aws',
  'last_http',
  'source',
  'coverage',
  'enforced_since',
];

/** `report`: every bucket's counters in the window, worst first, as a table, `--json` or `--csv`; `--html FILE` writes a page too. */
export const report: Command = async (values) => {
  if (values.json && values.csv) return usageError('choose one of --json and --csv');
  return withStore(values, async (session) => {
    if (values.html) await writeHtmlReport(session.store, values, values.html);
    return printReport(session.store, values);
  });
};

async function printReport(store: TallyQueries & CoverageReadings, values: Values): Promise<number> {
  const window = parseTimeWindow(values.since, values.until, new Date());
  const reports = await loadBucketReports(store, {
    bucket: values.bucket,
    window,
    source: parseSourceOption(values.source),
  });
  const listing = await loadBucketListing(store, reports, window);
  if (values.json) {
    printJson({ window, buckets: listing });
  } else if (values.csv) {
    process.stdout.write(
      csv(
        CSV_COLUMNS,
        [...listing]
          .sort(compareByRisk)
          .map((b) => [
            b.bucket,
            b.http,
            b.httpDenied,
            b.https,
            b.service,
            b.unknown,
            b.httpShare.toFixed(6),
            b.httpSources.external,
            b.httpSources.ec2,
            b.httpSources['vpc-endpoint'],
            b.httpSources.private,
            b.httpSources.aws,
            b.lastHttpSeen ?? '',
            b.source,
            coverageCode(b.coverage),
            enforcedSince(b.enforcement),
          ]),
      ),
    );
  } else {
    print(bucketListingText(listing));
  }
  return 0;
}

function enforcedSince(enforcement: Enforcement): string {
  return enforcement.state === 'enforced' ? enforcement.since : '';
}

/** The page judges readiness over the data it draws: `closeWindowOverData` closes the open ends. */
async function writeHtmlReport(store: TallyQueries & CoverageReadings, values: Values, file: string): Promise<void> {
  const now = new Date();
  const window = parseTimeWindow(values.since, values.until, now);
  const loaded = await loadReadinessInputsOfBuckets(store, {
    bucket: values.bucket,
    window,
    source: parseSourceOption(values.source),
  });
  const closed = closeWindowOverData(
    window,
    loaded.map((b) => b.report),
    now,
  );
  const { coverage, trails } = await loadCoverage(
    store,
    loaded.map((b) => b.bucket),
  );
  const buckets: HtmlBucket[] = loaded.map(({ bucket, ...inputs }) => {
    const bucketCoverage = coverage.get(bucket);
    return {
      report: inputs.report,
      clients: inputs.clients,
      coverage: bucketCoverage,
      readiness: assessReadiness({
        bucket,
        window: closed,
        ...inputs,
        ...(bucketCoverage ? { coverage: { bucket: bucketCoverage, trails } } : {}),
      }),
      enforcement: enforcementOf(inputs.report, inputs.clients),
    };
  });
  await writeFile(file, renderHtmlReport({ generatedAt: now, window: closed, buckets }));
  note(`wrote ${file} (${buckets.length} ${buckets.length === 1 ? 'bucket' : 'buckets'})`);
}
