import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { GetBucketLoggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { type AccessLogReading, parseSelectorsDocument, type TrailReading } from '../../lib/core/event-selectors';
import { stripUndefined } from '../../lib/core/strip-undefined';

/** What DescribeTrails says of a trail, as far as coverage needs it. */
export interface DescribedTrail {
  Name?: string;
  TrailARN?: string;
  S3BucketName?: string;
  HomeRegion?: string;
  IsMultiRegionTrail?: boolean;
}

/** A trail's reading from the answers of DescribeTrails, GetEventSelectors and GetTrailStatus. */
export function trailReadingOf(
  trail: DescribedTrail,
  selectors: unknown,
  status: { IsLogging?: boolean; StartLoggingTime?: Date } | undefined,
  readAt: Date,
): TrailReading {
  const parsed = parseSelectorsDocument(
    { ...(selectors as object), TrailARN: (selectors as { TrailARN?: string }).TrailARN ?? trail.TrailARN },
    `the selectors of trail ${trail.Name ?? trail.TrailARN}`,
  );
  return stripUndefined({
    ...parsed,
    name: trail.Name ?? parsed.trailArn,
    readAt: readAt.toISOString(),
    logBucket: trail.S3BucketName,
    homeRegion: trail.HomeRegion,
    multiRegion: trail.IsMultiRegionTrail,
    logging: status?.IsLogging,
    loggingSince: status?.StartLoggingTime?.toISOString(),
  });
}

/** A bucket's reading from GetBucketLogging's answer. */
export function accessLogReadingOf(
  bucket: string,
  answer: { LoggingEnabled?: { TargetBucket?: string; TargetPrefix?: string } },
  readAt: Date,
): AccessLogReading {
  const enabled = answer.LoggingEnabled?.TargetBucket !== undefined;
  return stripUndefined({
    bucket,
    readAt: readAt.toISOString(),
    enabled,
    targetBucket: answer.LoggingEnabled?.TargetBucket,
    targetPrefix: enabled ? (answer.LoggingEnabled?.TargetPrefix ?? '') : undefined,
  });
}

export interface LiveCoverage {
  trails: TrailReading[];
  accessLogs: AccessLogReading[];
  /** What could not be read, one line each (access denied, a bucket of another account). */
  notes: string[];
}

/**
 * Reads the selectors of every trail that delivers to `logBucket` (every trail when it is not
 * given): DescribeTrails in the client's region, shadow trails of multi-region and
 * organisation trails included, then GetEventSelectors and GetTrailStatus in each trail's home
 * region; and GetBucketLogging of each bucket. The CLI's credentials, read-only calls.
 */
export async function readLiveCoverage(options: {
  profile?: string;
  region?: string;
  logBucket?: string;
  buckets: readonly string[];
  s3: S3Client;
  now: () => Date;
}): Promise<LiveCoverage> {
  const clients = new Map<string, CloudTrailClient>();
  const clientFor = (region: string | undefined) => {
    const key = region ?? '';
    let client = clients.get(key);
    if (!client) {
      client = new CloudTrailClient({
        ...(region ? { region } : {}),
        ...(options.profile ? { profile: options.profile } : {}),
      });
      clients.set(key, client);
    }
    return client;
  };
  const notes: string[] = [];
  const trails: TrailReading[] = [];
  const accessLogs: AccessLogReading[] = [];
  try {
    const described = await clientFor(options.region)
      .send(new DescribeTrailsCommand({ includeShadowTrails: true }))
      .catch((error: Error) => {
        // The SDK's own words ("Region is missing") name neither the call nor the way out.
        if (/region is missing/i.test(error.message)) {
          throw new Error(
            'coverage asks CloudTrail for the trails in a region: give --region R (or set AWS_REGION, or a region in the profile), or read them offline with --selectors FILE',
          );
        }
        throw error;
      });
    for (const trail of described.trailList ?? []) {
      if (!trail.TrailARN) continue;
      if (options.logBucket !== undefined && trail.S3BucketName !== options.logBucket) continue;
      // A multi-region trail shows once per region: its home region's copy is the one to read.
      if (trails.some((known) => known.trailArn === trail.TrailARN)) continue;
      const home = clientFor(trail.HomeRegion);
      try {
        const selectors = await home.send(new GetEventSelectorsCommand({ TrailName: trail.TrailARN }));
        const status = await home.send(new GetTrailStatusCommand({ Name: trail.TrailARN })).catch(() => undefined);
        trails.push(trailReadingOf(trail, selectors, status, options.now()));
      } catch (error) {
        notes.push(`trail ${trail.Name ?? trail.TrailARN}: its selectors could not be read (${(error as Error).name})`);
      }
    }
  } finally {
    for (const client of clients.values()) client.destroy();
  }
  for (const bucket of options.buckets) {
    try {
      const answer = await options.s3.send(new GetBucketLoggingCommand({ Bucket: bucket }));
      accessLogs.push(accessLogReadingOf(bucket, answer, options.now()));
    } catch (error) {
      notes.push(`${bucket}: its server access logging could not be read (${(error as Error).name})`);
    }
  }
  return { trails, accessLogs, notes };
}
