import type { CloudTrailRecord } from './cloudtrail';

/** How one S3 request reached S3, as far as its CloudTrail record can tell. */
export type Verdict = 'https' | 'http' | 'service' | 'unknown';

export const VERDICTS: readonly Verdict[] = ['https', 'http', 'service', 'unknown'];

/** Why a record got its verdict; stored as counters so that a user can audit the numbers. */
export type VerdictReason =
  | 'tls-details'
  | 'cipher-suite'
  | 'invoked-by-service'
  | 'aws-service-identity'
  | 'service-source'
  | 'console-session'
  | 'no-tls-with-evidence'
  | 'no-tls-evidence'
  // S3 server access logs (lib/formats/access-log.ts):
  | 'tls-version'
  | 'service-operation'
  | 'aws-service-requester'
  | 'no-tls-on-client-operation'
  | 'no-tls-fields'
  | 'no-tls-other-operation';

export interface RecordVerdict {
  verdict: Verdict;
  reason: VerdictReason;
  /** `TLSv1.2`, `TLSv1.3`, ... when the record names it (eventVersion 1.08 and later). */
  tlsVersion?: string;
}

/** CloudTrail started writing `tlsDetails` with eventVersion 1.08. */
const TLS_DETAILS_SINCE = { major: 1, minor: 8 };

/**
 * Decides whether a CloudTrail S3 record was a plain-HTTP request. The order matters: TLS
 * evidence wins over everything (an AWS service calling over TLS is still HTTPS), then
 * requests that are not client connections at all, and only then does a missing cipher suite
 * mean HTTP, and only where the record would have carried one had TLS been used.
 *
 * @example
 * classifyVerdict({ eventVersion: '1.09', sourceIPAddress: '203.0.113.9', additionalEventData: {} })
 * // => { verdict: 'http', reason: 'no-tls-with-evidence' }
 */
export function classifyVerdict(record: CloudTrailRecord): RecordVerdict {
  const tlsVersion = nonEmptyString(record.tlsDetails?.tlsVersion);
  if (tlsVersion) return { verdict: 'https', reason: 'tls-details', tlsVersion };

  const extra = isPlainObject(record.additionalEventData) ? record.additionalEventData : undefined;
  // S3 Express One Zone and S3 Tables write `cipherSuite` in lower camel case.
  if (extra && (nonEmptyString(extra.CipherSuite) || nonEmptyString(extra.cipherSuite))) {
    return { verdict: 'https', reason: 'cipher-suite' };
  }
  if (nonEmptyString(record.tlsDetails?.cipherSuite)) return { verdict: 'https', reason: 'cipher-suite' };

  const identity = record.userIdentity;
  if (nonEmptyString(identity?.invokedBy)) return { verdict: 'service', reason: 'invoked-by-service' };
  if (identity?.type === 'AWSService') return { verdict: 'service', reason: 'aws-service-identity' };
  if (!isIpAddressLiteral(record.sourceIPAddress)) return { verdict: 'service', reason: 'service-source' };
  if (record.sessionCredentialFromConsole === 'true') return { verdict: 'service', reason: 'console-session' };

  if (extra || eventVersionAtLeast(record.eventVersion, TLS_DETAILS_SINCE)) {
    return { verdict: 'http', reason: 'no-tls-with-evidence' };
  }
  return { verdict: 'unknown', reason: 'no-tls-evidence' };
}

/** Compares `major.minor` numerically, so that `1.10` counts as later than `1.08`. */
export function eventVersionAtLeast(version: string | undefined, min: { major: number; minor: number }): boolean {
  const match = typeof version === 'string' ? /^(\d+)\.(\d+)$/.exec(version) : null;
  if (!match) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > min.major || (major === min.major && minor >= min.minor);
}

/**
 * A loose syntactic test, enough to tell an address from a service name such as
 * `AWS Internal` or `cloudtrail.amazonaws.com`; `source.ts` parses addresses properly.
 */
function isIpAddressLiteral(value: string | undefined): boolean {
  if (typeof value !== 'string' || value.length === 0) return false;
  if (value.includes(':')) return /^[0-9a-fA-F:.]+$/.test(value);
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
