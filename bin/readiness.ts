import type { EvidenceKind } from '../lib/core/tally';
import type { MinTlsVersion } from '../lib/report/bucket-policy';
import type { BucketCoverage } from '../lib/report/coverage';
import { assessEnforceCheck, type EnforceCheckResult } from '../lib/report/enforcement';
import { latestHourWithData, loadCoverage, loadReadinessInputs } from '../lib/report/queries';
import { DEFAULT_MAX_GAP_HOURS, readinessWindow } from '../lib/report/readiness';
import { parseDays, parseMinTls, parseSourceOption, parseWholeNumber, type Values } from './options';
import type { StoreSession } from './session';

/**
 * The verdict of one bucket as `enforce-check` and `enforce --apply` judge it, from the
 * same options (`--days`/`--since`/`--until`, `--max-gap-hours`, `--min-tls`, `--source`), so
 * that the gate of `enforce` is exactly the verdict the user saw.
 */
export interface ReadinessRequest {
  window: { fromHour: string; toHour: string };
  maxGapHours: number;
  minTlsVersion?: MinTlsVersion;
  source?: EvidenceKind;
}

/** The request the options ask for; checked before a store opens, so a typo costs no store start. */
export function readinessRequest(values: Values, now: Date): ReadinessRequest {
  return {
    minTlsVersion: parseMinTls(values['min-tls']),
    maxGapHours: parseWholeNumber('--max-gap-hours', values['max-gap-hours'], DEFAULT_MAX_GAP_HOURS, 0),
    window: readinessWindow({ since: values.since, until: values.until, days: parseDays(values.days) }, now),
    source: parseSourceOption(values.source),
  };
}

export async function judgeReadiness(
  session: StoreSession,
  bucket: string,
  request: ReadinessRequest,
  policy?: unknown,
): Promise<{
  result: EnforceCheckResult;
  source: EvidenceKind | undefined;
  coverage: BucketCoverage | undefined;
  report: Awaited<ReturnType<typeof loadReadinessInputs>>['report'];
}> {
  const { coverage, trails } = await loadCoverage(session.store, [bucket]);
  const bucketCoverage = coverage.get(bucket);
  let inputs = await loadReadinessInputs(session.store, bucket, request.window, request.source);
  // CloudTrail figures blind to reads or writes, and access logs of the bucket in the window:
  // those record every request, so the verdict rests on them unless --source says otherwise.
  if (
    request.source === undefined &&
    inputs.report.source === 'cloudtrail' &&
    bucketCoverage &&
    hasGap(bucketCoverage)
  ) {
    const fromAccessLogs = await loadReadinessInputs(session.store, bucket, request.window, 'access-log');
    if (fromAccessLogs.report.total > 0) inputs = fromAccessLogs;
  }
  const lastHourOutsideWindow = inputs.report.total === 0 ? await latestHourWithData(session.store, bucket) : undefined;
  const result = assessEnforceCheck({
    bucket,
    window: request.window,
    ...inputs,
    thresholds: { maxGapHours: request.maxGapHours },
    minTlsVersion: request.minTlsVersion,
    lastHourOutsideWindow,
    ...(bucketCoverage ? { coverage: { bucket: bucketCoverage, trails } } : {}),
    policy,
  });
  return { result, source: inputs.report.source, coverage: bucketCoverage, report: inputs.report };
}

/** Reads or writes that CloudTrail does not record in full. */
function hasGap(coverage: BucketCoverage): boolean {
  return [coverage.cloudTrail.reads, coverage.cloudTrail.writes].some(
    (state) => state === 'not-logged' || state === 'partial',
  );
}
