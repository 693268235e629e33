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

/** What a known bucket policy says about plain HTTP. */
export interface PolicyTransportCheck {
  /** A statement denies every S3 action on the bucket and its objects to requests without TLS. */
  deniesPlainHttp: boolean;
  /** Its Sid, or its position in `Statement` when it has none. */
  statement?: string;
}

/**
 * Whether `policy` (a bucket policy document, parsed) holds a SecureTransport deny that covers
 * the whole bucket: `Effect: Deny` to every principal (`"*"` or `{"AWS": "*"}`), of `s3:*` (or
 * `*`), on the bucket and its objects (or a wildcard covering both), on condition
 * `Bool`/`BoolIfExists` `aws:SecureTransport` false. A statement with `NotPrincipal`,
 * `NotAction` or `NotResource`, or with further conditions, denies less than that and does
 * not count: the logs are what tell whether it refuses everything.
 */
export function checkPolicyTransport(policy: unknown, bucket: string, partition = 'aws'): PolicyTransportCheck {
  const statements = statementsOf(policy);
  const arn = `arn:${partition}:s3:::${bucket}`;
  for (const [index, statement] of statements.entries()) {
    if (isSecureTransportDeny(statement, arn)) {
      const sid = typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : `Statement[${index}]`;
      return { deniesPlainHttp: true, statement: sid };
    }
  }
  return { deniesPlainHttp: false };
}

function statementsOf(policy: unknown): Array<Record<string, unknown>> {
  if (typeof policy !== 'object' || policy === null) return [];
  const statement = (policy as Record<string, unknown>).Statement;
  const list = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  return list.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null && !Array.isArray(s));
}

function isSecureTransportDeny(statement: Record<string, unknown>, arn: string): boolean {
  if (statement.Effect !== 'Deny') return false;
  if ('NotPrincipal' in statement || 'NotAction' in statement || 'NotResource' in statement) return false;
  const principal = statement.Principal;
  const everyone =
    principal === '*' ||
    (typeof principal === 'object' &&
      principal !== null &&
      listOf((principal as Record<string, unknown>).AWS).includes('*'));
  if (!everyone) return false;
  const actions = listOf(statement.Action).map((action) => action.toLowerCase());
  if (!actions.includes('s3:*') && !actions.includes('*')) return false;
  const resources = listOf(statement.Resource);
  const covers = (target: string) => resources.some((resource) => wildcardMatches(resource, target));
  if (!covers(arn) || !covers(`${arn}/*`)) return false;
  return isOnlySecureTransportFalse(statement.Condition);
}

/** `{"Bool": {"aws:SecureTransport": "false"}}` (or BoolIfExists, or a boolean false), and nothing else. */
function isOnlySecureTransportFalse(condition: unknown): boolean {
  if (typeof condition !== 'object' || condition === null) return false;
  const operators = Object.entries(condition as Record<string, unknown>);
  if (operators.length !== 1) return false;
  const [operator, keys] = operators[0] as [string, unknown];
  if (operator !== 'Bool' && operator !== 'BoolIfExists') return false;
  if (typeof keys !== 'object' || keys === null) return false;
  const entries = Object.entries(keys as Record<string, unknown>);
  if (entries.length !== 1) return false;
  const [key, value] = entries[0] as [string, unknown];
  // Condition key names are case-insensitive; values of Bool are compared as text.
  if (key.toLowerCase() !== SECURE_TRANSPORT_KEY.toLowerCase()) return false;
  const values = Array.isArray(value) ? value : [value];
  return values.length === 1 && String(values[0]).toLowerCase() === 'false';
}

function listOf(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string');
}

/** IAM's `*` and `?` in a resource, matched against one ARN. */
function wildcardMatches(pattern: string, target: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`).test(target);
}

/**
 * A bucket policy document from text: the document itself, or what `aws s3api
 * get-bucket-policy` prints (`{"Policy": "<the document as a string>"}`).
 *
 * @param name where the text came from, for the error (a file name).
 * @throws ConfigurationError naming `name` and what is wrong.
 */
export function parsePolicyDocument(text: string, name: string): Record<string, unknown> {
  const parsed = parseJson(text, name);
  const document =
    typeof parsed === 'object' && parsed !== null && typeof (parsed as { Policy?: unknown }).Policy === 'string'
      ? parseJson((parsed as { Policy: string }).Policy, `${name} (its Policy string)`)
      : parsed;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ConfigurationError(`${name} is not a bucket policy: its JSON is not an object`);
  }
  if (!('Statement' in document)) {
    throw new ConfigurationError(`${name} is not a bucket policy: it has no Statement`);
  }
  return document as Record<string, unknown>;
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${name} is not JSON: ${(error as Error).message}`);
  }
}
