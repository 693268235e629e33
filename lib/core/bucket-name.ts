import { ConfigurationError } from './errors';

// General purpose bucket naming rules (S3 user guide, "Bucket naming rules"): 3 to 63
// characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter
// or digit, no two adjacent dots, not shaped like an IP address, and none of the prefixes and
// suffixes AWS reserves for other resource types.
const NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_SHAPED = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];
// Buckets created in us-east-1 before March 2018 may still have uppercase letters and
// underscores (up to 255 characters). They are real buckets that need the policy too; what
// matters for the ARN is that no `*`, `?`, `/`, quote or space can widen or break it.
const LEGACY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

/** A bucket name cleartrail refuses to put into an ARN. */
export class InvalidBucketNameError extends ConfigurationError {
  constructor(
    readonly bucket: string,
    problem: string,
  ) {
    super(`bucket name ${JSON.stringify(bucket)} ${problem}`);
    this.name = 'InvalidBucketNameError';
  }
}

/**
 * Throws {@link InvalidBucketNameError} unless `bucket` can be a bucket's name, so that a typo
 * or a pasted ARN never ends up as a policy Resource.
 */
export function validateBucketName(bucket: string): void {
  if (bucket.startsWith('arn:')) throw new InvalidBucketNameError(bucket, 'is an ARN: give the bucket name alone');
  if (!NAME.test(bucket)) {
    if (LEGACY_NAME.test(bucket)) return; // a pre-2018 us-east-1 name
    throw new InvalidBucketNameError(
      bucket,
      'is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)',
    );
  }
  if (bucket.includes('..')) throw new InvalidBucketNameError(bucket, 'has two adjacent dots');
  if (IP_SHAPED.test(bucket)) throw new InvalidBucketNameError(bucket, 'is shaped like an IP address');
  const prefix = RESERVED_PREFIXES.find((p) => bucket.startsWith(p));
  if (prefix) throw new InvalidBucketNameError(bucket, `starts with the reserved prefix ${prefix}`);
  const suffix = RESERVED_SUFFIXES.find((s) => bucket.endsWith(s));
  if (suffix) throw new InvalidBucketNameError(bucket, `ends with the reserved suffix ${suffix}`);
}
