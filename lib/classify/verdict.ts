import type { CloudTrailRecord } from './cloudtrail-record';

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

/** What an S3 server access-log line says about its transport; `undefined` for fields the line lacks. */
export interface AccessLogEvidence {
  operation: string;
  /** `-` when the line has none (a request from S3 itself has none either). */
  remoteIp: string;
  requester: string;
  cipherSuite?: string;
  tlsVersion?: string;
}

/**
 * Decides an access-log line's verdict. As for CloudTrail, TLS evidence wins, then what is no
 * client connection at all: lifecycle and replication (`S3.*`), S3 acting for itself (requester
 * `AmazonS3`), no remote address. Plain HTTP needs the cipher-suite field present and `-` on a
 * client operation (`REST.*`, `WEBSITE.*`, `BATCH.*`); lines older than that field (2019) cannot
 * tell. A line that has the cipher suite but not yet the TLS version (2019-2020) is judged by the
 * cipher suite alone.
 *
 * @example
 * classifyAccessLogVerdict({ operation: 'REST.GET.OBJECT', remoteIp: '203.0.113.9', requester: '-', cipherSuite: '-', tlsVersion: '-' })
 * // => { verdict: 'http', reason: 'no-tls-on-client-operation' }
 */
export function classifyAccessLogVerdict(line: AccessLogEvidence): RecordVerdict {
  const tlsVersion = presentField(line.tlsVersion);
  if (presentField(line.cipherSuite)) {
    return tlsVersion
      ? { verdict: 'https', reason: 'cipher-suite', tlsVersion }
      : { verdict: 'https', reason: 'cipher-suite' };
  }
  if (tlsVersion) return { verdict: 'https', reason: 'tls-version', tlsVersion };
  if (line.operation.startsWith('S3.')) return { verdict: 'service', reason: 'service-operation' };
  if (line.requester === 'AmazonS3') return { verdict: 'service', reason: 'aws-service-requester' };
  if (line.remoteIp === '-' || line.remoteIp === '') return { verdict: 'service', reason: 'service-source' };
  if (line.cipherSuite === undefined) return { verdict: 'unknown', reason: 'no-tls-fields' };
  if (CLIENT_OPERATION.test(line.operation)) return { verdict: 'http', reason: 'no-tls-on-client-operation' };
  return { verdict: 'unknown', reason: 'no-tls-other-operation' };
}

const CLIENT_OPERATION = /^(?:REST|WEBSITE|BATCH)\./;

/** An access-log field with a value: present on the line and not `-`. */
function presentField(value: string | undefined): string | undefined {
  return value !== undefined && value !== '-' && value.length > 0 ? value : undefined;
}
