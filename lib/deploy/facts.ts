import { type CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketVersioningCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BucketFacts, NotificationEntry, TrailFacts, Unread } from './plan';

/** How many keys the one listing reads: enough to see the organisation and account folders of a fresh trail. */
const LISTING_PAGE = 1000;

/** How much of an error message a fact keeps: enough to recognise it. */
const UNREAD_WIDTH = 160;

/** A read that failed, as a fact: the error's name and message, never a stack. */
function unread(error: unknown): Unread {
  const { name, message } = error as Error;
  const why = message && message !== name ? `${name}: ${message}` : name || String(error);
  const firstLine = why.split('\n')[0] as string;
  return { unread: firstLine.length > UNREAD_WIDTH ? `${firstLine.slice(0, UNREAD_WIDTH - 1)}…` : firstLine };
}
async function attempt<T>(read: () => Promise<T>): Promise<T | Unread> {
  try {
    return await read();
  } catch (error) {
    return unread(error);
  }
}

/**
 * Reads what `cleartrail doctor` decides on, with the user's credentials: each read that fails is
 * recorded as unread (with why) instead of failing the whole, so the plan can say what is missing.
 *
 * @param s3For an S3 client for a region (undefined: the caller's default); the bucket's own
 *   region is used once known, as S3 redirects reads of a bucket from elsewhere.
 */
export async function readBucketFacts(
  bucket: string,
  clients: { s3For: (region?: string) => S3Client; cloudTrailFor: (region?: string) => CloudTrailClient },
  trailName?: string,
): Promise<BucketFacts> {
  const region = await attempt(async () => {
    const answer = await clients.s3For().send(new GetBucketLocationCommand({ Bucket: bucket }));
    // The oldest regions answer an empty (us-east-1) or legacy constraint.
    const constraint = answer.LocationConstraint as string | undefined;
    return !constraint ? 'us-east-1' : constraint === 'EU' ? 'eu-west-1' : constraint;
  });
  const s3 = clients.s3For(typeof region === 'string' ? region : undefined);
  const trails = await attempt(() =>
    readTrails(clients.cloudTrailFor(typeof region === 'string' ? region : undefined), trailName),
  );
  const trail = Array.isArray(trails)
    ? trails.find((t) => (trailName ? t.name === trailName || t.name.endsWith(`/${trailName}`) : t.bucket === bucket))
    : undefined;
  const listingPrefix = trail?.keyPrefix ? `${trail.keyPrefix.replace(/\/+$/, '')}/` : '';

  const [versioning, encryption, notifications, listing] = await Promise.all([
    attempt(async () => {
      const answer = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      return answer.Status === 'Enabled' || answer.Status === 'Suspended' ? answer.Status : ('Off' as const);
    }),
    attempt(async () => {
      try {
        const answer = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
        const rule = answer.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
        if (!rule?.SSEAlgorithm) return 'none' as const;
        return { algorithm: rule.SSEAlgorithm, ...(rule.KMSMasterKeyID ? { kmsKeyId: rule.KMSMasterKeyID } : {}) };
      } catch (error) {
        if ((error as Error).name === 'ServerSideEncryptionConfigurationNotFoundError') return 'none' as const;
        throw error;
      }
    }),
    attempt(async () => {
      const answer = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
      const entries: NotificationEntry[] = [
        ...(answer.QueueConfigurations ?? []).map((c) => entry(c.Id, c.QueueArn, c.Events, c.Filter)),
        ...(answer.TopicConfigurations ?? []).map((c) => entry(c.Id, c.TopicArn, c.Events, c.Filter)),
        ...(answer.LambdaFunctionConfigurations ?? []).map((c) => entry(c.Id, c.LambdaFunctionArn, c.Events, c.Filter)),
      ];
      return { entries, eventBridge: answer.EventBridgeConfiguration !== undefined };
    }),
    attempt(async () => {
      const answer = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: listingPrefix, MaxKeys: LISTING_PAGE }),
      );
      return { prefix: listingPrefix, keys: (answer.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])) };
    }),
  ]);
  return {
    bucket,
    region,
    versioning,
    encryption,
    notifications,
    listing,
    trails,
    ...(trailName ? { trailName } : {}),
  };
}

type FilterRules = { Key?: { FilterRules?: Array<{ Name?: string; Value?: string }> } } | undefined;
function entry(
  id: string | undefined,
  destination: string | undefined,
  events: string[] | undefined,
  filter: FilterRules,
): NotificationEntry {
  const rule = (name: string) => filter?.Key?.FilterRules?.find((r) => r.Name?.toLowerCase() === name)?.Value ?? '';
  return {
    id: id ?? '(no id)',
    destination: destination ?? '',
    events: events ?? [],
    prefix: rule('prefix'),
    suffix: rule('suffix'),
  };
}

/** The trails visible from the bucket's region (shadow trails included: a trail's home may be elsewhere). */
async function readTrails(cloudTrail: CloudTrailClient, trailName?: string): Promise<TrailFacts[]> {
  const answer = await cloudTrail.send(
    new DescribeTrailsCommand({ includeShadowTrails: true, ...(trailName ? { trailNameList: [trailName] } : {}) }),
  );
  return (answer.trailList ?? []).map((trail) => ({
    name: trail.Name ?? trail.TrailARN ?? '(no name)',
    bucket: trail.S3BucketName ?? '',
    ...(trail.S3KeyPrefix ? { keyPrefix: trail.S3KeyPrefix } : {}),
    ...(trail.KmsKeyId ? { kmsKeyId: trail.KmsKeyId } : {}),
    ...(trail.SnsTopicARN ? { snsTopicArn: trail.SnsTopicARN } : {}),
    isOrganizationTrail: trail.IsOrganizationTrail === true,
  }));
}
