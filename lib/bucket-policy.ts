import { ConfigurationError } from './errors';

/**
 * The bucket policy that turns plain HTTP off for one bucket.
 *
 * Checked against AWS documentation (search of the stored docs, November 2026):
 * - `aws:SecureTransport` is a global condition key, `Bool`, false for a request sent without
 *   TLS. The AWS Knowledge Center article "s3-bucket-policy-for-config-rule" (the policy the
 *   AWS Config rule `s3-bucket-ssl-requests-only` accepts) denies `s3:*` to `Principal "*"` on
 *   both `arn:aws:s3:::BUCKET` and `arn:aws:s3:::BUCKET/*` with
 *   `"Condition": {"Bool": {"aws:SecureTransport": "false"}}`; CIS AWS Foundations 2.1.1/3.1.1
 *   use the same statement. An explicit Deny is needed: Allow statements with
 *   `aws:SecureTransport = true` alone do not stop HTTP when another statement allows it.
 * - `s3:TlsVersion` is an S3 condition key (AWS What's New, 2020-12-21: "s3:ResourceAccount and
 *   s3:TLSVersion IAM condition keys"), numeric: the Knowledge Center article
 *   "s3-enforce-modern-tls" denies `s3:*` with `"NumericLessThan": {"s3:TlsVersion": "1.2"}` on
 *   the bucket and its objects. (Condition key names are case-insensitive, hence the two
 *   spellings in AWS's own texts; the S3 user guide writes `s3:TlsVersion`.)
 * - The S3 user guide "Protecting data in transit with encryption" (UsingEncryptionInTransit)
 *   notes that TLS 1.3 is not offered on AWS PrivateLink for S3 and Multi-Region Access Points,
 *   which is why only 1.2 is offered as a minimum here.
 *
 * A request with no TLS has no `s3:TlsVersion` at all, so `NumericLessThan` does not match it:
 * the TLS statement never replaces the SecureTransport statement, it adds to it.
 */
export const SECURE_TRANSPORT_KEY = 'aws:SecureTransport';
export const TLS_VERSION_KEY = 's3:TlsVersion';

export const MIN_TLS_VERSIONS = ['1.2'] as const;
export type MinTlsVersion = (typeof MIN_TLS_VERSIONS)[number];

export interface PolicyStatement {
  Sid: string;
  Effect: 'Deny';
  Principal: '*';
  Action: 's3:*';
  Resource: [string, string];
  Condition: Record<string, Record<string, string>>;
}

export interface BucketPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

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

/**
 * A complete bucket policy document that denies every S3 action on the bucket and its objects
 * to requests made without TLS, and, with `minTlsVersion`, to requests on an older TLS.
 * `put-bucket-policy` replaces the whole policy: merge these statements into an existing one.
 * `partition` is for buckets in the China (`aws-cn`) and GovCloud (`aws-us-gov`) partitions.
 *
 * @example
 * JSON.stringify(enforceHttpsPolicy('acme-data', { minTlsVersion: '1.2' }), null, 2)
 * // Statement[0]: Sid DenyInsecureTransport, Bool aws:SecureTransport "false"
 * // Statement[1]: Sid DenyOutdatedTls, NumericLessThan s3:TlsVersion "1.2"
 */
export function enforceHttpsPolicy(
  bucket: string,
  options: { minTlsVersion?: MinTlsVersion; partition?: 'aws' | 'aws-cn' | 'aws-us-gov' } = {},
): BucketPolicy {
  validateBucketName(bucket);
  if (options.minTlsVersion !== undefined && !MIN_TLS_VERSIONS.includes(options.minTlsVersion)) {
    throw new ConfigurationError(
      `minimum TLS version ${JSON.stringify(options.minTlsVersion)} is not one of ${MIN_TLS_VERSIONS.join(', ')}`,
    );
  }
  const arn = `arn:${options.partition ?? 'aws'}:s3:::${bucket}`;
  const resource: [string, string] = [arn, `${arn}/*`];
  const statements: PolicyStatement[] = [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: resource,
      Condition: { Bool: { [SECURE_TRANSPORT_KEY]: 'false' } },
    },
  ];
  if (options.minTlsVersion) {
    statements.push({
      Sid: 'DenyOutdatedTls',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [...resource],
      Condition: { NumericLessThan: { [TLS_VERSION_KEY]: options.minTlsVersion } },
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
