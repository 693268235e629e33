import { validateBucketName } from '../core/bucket-name';
import { ConfigurationError } from '../core/errors';

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
