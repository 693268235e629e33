import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * The three bucket-policy calls of `cleartrail enforce`, with the user's credentials, and nothing
 * else: what to put is decided in lib/report/policy-merge.ts. IAM: s3:GetBucketPolicy,
 * s3:PutBucketPolicy and (rollback to no policy) s3:DeleteBucketPolicy on the bucket.
 */

/** The bucket's policy text as S3 gives it back; undefined when the bucket has none. */
export async function readBucketPolicy(client: S3Client, bucket: string): Promise<string | undefined> {
  try {
    const answer = await client.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    return answer.Policy;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchBucketPolicy') return undefined;
    throw error;
  }
}

export async function writeBucketPolicy(client: S3Client, bucket: string, policy: string): Promise<void> {
  await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
}

export async function deleteBucketPolicy(client: S3Client, bucket: string): Promise<void> {
  await client.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
}
