import { GetBucketLocationCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { BucketFacts } from './bucket-preflight';

/**
 * Reads the facts of the preflight: the bucket's location, one key under the prefix, and when
 * there is none, the folders at the top of the bucket. Three small requests: names only, never
 * an object's content. The role may list only these two prefixes (serverless.yml).
 */
export async function readBucketFacts(
  s3: S3Client,
  { bucket, prefix, prefixParameter }: Pick<BucketFacts, 'bucket' | 'prefix' | 'prefixParameter'>,
): Promise<BucketFacts> {
  const location = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
  // No Prefix at all when it is empty: the role's s3:prefix conditions match what is sent.
  const underPrefix = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}), MaxKeys: 1 }),
  );
  const hasObjectUnderPrefix = (underPrefix.Contents?.length ?? 0) > 0;
  const topLevelFolders = hasObjectUnderPrefix
    ? []
    : ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }))).CommonPrefixes ?? [])
        .map((folder) => folder.Prefix)
        .filter((folder): folder is string => typeof folder === 'string');
  return {
    bucket,
    locationConstraint: location.LocationConstraint,
    prefix,
    prefixParameter,
    hasObjectUnderPrefix,
    topLevelFolders,
  };
}
