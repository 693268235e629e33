import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { classifyVerdict, eventVersionAtLeast } from '../../lib/classify/verdict';

const client = (overrides: Partial<CloudTrailRecord>): CloudTrailRecord => ({
  eventVersion: '1.09',
  eventSource: 's3.amazonaws.com',
  eventType: 'AwsApiCall',
  eventName: 'GetObject',
  sourceIPAddress: '203.0.113.7',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice' },
  additionalEventData: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader' },
  ...overrides,
});

describe('Function: classifyVerdict', () => {
  it('calls a record with tlsDetails https and keeps the TLS version', () => {
    // Act
    const verdict = classifyVerdict(
      client({ tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256' } }),
    );

    // Assess
    expect(verdict).toEqual({ verdict: 'https', reason: 'tls-details', tlsVersion: 'TLSv1.3' });
  });

  it.each([
    [
      'CipherSuite in additionalEventData (before eventVersion 1.08)',
      { eventVersion: '1.05', additionalEventData: { CipherSuite: 'ECDHE-RSA-AES128-SHA' } },
    ],
    [
      'lowercase cipherSuite (S3 Express, S3 Tables)',
      { additionalEventData: { cipherSuite: 'TLS_AES_128_GCM_SHA256' } },
    ],
    ['a partial tlsDetails with only the cipher suite', { tlsDetails: { cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256' } }],
  ])('calls a record with %s https', (_case, overrides) => {
    expect(classifyVerdict(client(overrides))).toEqual({ verdict: 'https', reason: 'cipher-suite' });
  });

  it('prefers TLS evidence to the service rules: an AWS service calling over TLS is HTTPS', () => {
    const verdict = classifyVerdict(
      client({
        sourceIPAddress: 'AWS Internal',
        userIdentity: { invokedBy: 'AWS Internal' },
        additionalEventData: { CipherSuite: 'x' },
      }),
    );
    expect(verdict.verdict).toBe('https');
  });

  it.each([
    [
      'userIdentity.invokedBy',
      { userIdentity: { type: 'AssumedRole', invokedBy: 'athena.amazonaws.com' } },
      'invoked-by-service',
    ],
    ['an AWSService identity', { userIdentity: { type: 'AWSService' } }, 'aws-service-identity'],
    ['AWS Internal as source', { sourceIPAddress: 'AWS Internal' }, 'service-source'],
    ['a service name as source', { sourceIPAddress: 'cloudtrail.amazonaws.com' }, 'service-source'],
    ['no source at all', { sourceIPAddress: undefined }, 'service-source'],
    ['a console session', { sessionCredentialFromConsole: 'true' }, 'console-session'],
  ] as const)('calls a record without TLS evidence and with %s service', (_case, overrides, reason) => {
    expect(classifyVerdict(client(overrides as Partial<CloudTrailRecord>))).toEqual({ verdict: 'service', reason });
  });

  it.each([
    ['eventVersion 1.08 without additionalEventData', { eventVersion: '1.08', additionalEventData: undefined }],
    ['eventVersion 1.10 (compared numerically, not as text)', { eventVersion: '1.10', additionalEventData: null }],
    [
      'an old eventVersion with additionalEventData',
      { eventVersion: '1.05', additionalEventData: { SignatureVersion: 'SigV2' } },
    ],
    ['an IPv6 source', { sourceIPAddress: '2001:db8::1' }],
  ])('calls a record with %s and no cipher suite http', (_case, overrides) => {
    expect(classifyVerdict(client(overrides))).toEqual({ verdict: 'http', reason: 'no-tls-with-evidence' });
  });

  it('calls an old record that carries no evidence either way unknown', () => {
    expect(classifyVerdict(client({ eventVersion: '1.04', additionalEventData: undefined }))).toEqual({
      verdict: 'unknown',
      reason: 'no-tls-evidence',
    });
  });

  it('does not take an empty cipher suite as TLS', () => {
    expect(classifyVerdict(client({ additionalEventData: { CipherSuite: '' } })).verdict).toBe('http');
  });
});

describe('Function: eventVersionAtLeast', () => {
  it.each([
    ['1.08', true],
    ['1.8', true],
    ['1.11', true],
    ['2.0', true],
    ['1.07', false],
    ['1.05', false],
    ['0.9', false],
    ['1.x', false],
    [undefined, false],
  ])('compares %s with 1.08', (version, expected) => {
    expect(eventVersionAtLeast(version, { major: 1, minor: 8 })).toBe(expected);
  });
});
