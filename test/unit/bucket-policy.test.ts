import { describe, expect, it } from 'vitest';
import { InvalidBucketNameError, validateBucketName } from '../../lib/core/bucket-name';
import { ConfigurationError } from '../../lib/core/errors';
import { type BucketPolicy, enforceHttpsPolicy } from '../../lib/report/bucket-policy';

/** The policy as a user pastes it: through JSON text and back. */
function asPasted(policy: BucketPolicy): Record<string, unknown> & { Statement: Array<Record<string, unknown>> } {
  return JSON.parse(JSON.stringify(policy, null, 2));
}

describe('Function: enforceHttpsPolicy', () => {
  it('denies every S3 action on the bucket and its objects to requests without TLS', () => {
    // Prepare
    const bucket = 'acme-data';

    // Act
    const policy = asPasted(enforceHttpsPolicy(bucket));

    // Assess
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement).toHaveLength(1);
    const statement = policy.Statement[0] as { Condition: Record<string, Record<string, unknown>> };
    expect(statement).toEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::acme-data', 'arn:aws:s3:::acme-data/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    // The exact operator and key, and the value as the string IAM examples use.
    expect(Object.keys(statement.Condition)).toEqual(['Bool']);
    expect(Object.keys(statement.Condition.Bool ?? {})).toEqual(['aws:SecureTransport']);
  });

  it('adds a statement that denies TLS below the minimum when asked', () => {
    // Prepare
    const bucket = 'www.example.com';

    // Act
    const policy = asPasted(enforceHttpsPolicy(bucket, { minTlsVersion: '1.2' }));

    // Assess
    expect(policy.Statement.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyOutdatedTls']);
    const tls = policy.Statement[1] as Record<string, unknown>;
    expect(tls.Effect).toBe('Deny');
    expect(tls.Principal).toBe('*');
    expect(tls.Action).toBe('s3:*');
    expect(tls.Resource).toEqual(['arn:aws:s3:::www.example.com', 'arn:aws:s3:::www.example.com/*']);
    expect(tls.Condition).toEqual({ NumericLessThan: { 's3:TlsVersion': '1.2' } });
    expect(policy.Statement[0]?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });

  it('writes the ARN of another partition when asked', () => {
    // Act
    const policy = enforceHttpsPolicy('acme-data', { partition: 'aws-cn' });

    // Assess
    expect(policy.Statement[0]?.Resource).toEqual(['arn:aws-cn:s3:::acme-data', 'arn:aws-cn:s3:::acme-data/*']);
  });

  it('refuses a minimum TLS version it does not know', () => {
    // Act / Assess
    expect(() => enforceHttpsPolicy('acme-data', { minTlsVersion: '1.0' as never })).toThrow(ConfigurationError);
  });

  it('refuses a bucket name that could widen or break the Resource', () => {
    // Act / Assess
    expect(() => enforceHttpsPolicy('acme-*')).toThrow(InvalidBucketNameError);
    expect(() => enforceHttpsPolicy('acme-data/*')).toThrow(/is not a valid S3 bucket name/);
  });
});

describe('Function: validateBucketName', () => {
  it.each([
    ['acme-data'],
    ['www.example.com'],
    ['a1b'],
    ['x'.repeat(63)],
    // Created in us-east-1 before March 2018: uppercase and underscores were allowed then.
    ['Legacy_Backup_Bucket'],
  ])('accepts %s', (name) => {
    expect(() => validateBucketName(name)).not.toThrow();
  });

  it.each([
    ['ab', /not a valid S3 bucket name/],
    ['(none)', /not a valid S3 bucket name/],
    ['acme data', /not a valid S3 bucket name/],
    ['acme"data', /not a valid S3 bucket name/],
    ['-acme', /not a valid S3 bucket name/],
    ['arn:aws:s3:::acme-data', /is an ARN/],
    ['acme..data', /two adjacent dots/],
    ['192.168.10.12', /shaped like an IP address/],
    ['xn--acme', /reserved prefix xn--/],
    ['sthree-acme', /reserved prefix sthree-/],
    ['acme-s3alias', /reserved suffix -s3alias/],
    ['acme--x-s3', /reserved suffix --x-s3/],
  ])('refuses %s', (name, message) => {
    expect(() => validateBucketName(name)).toThrow(InvalidBucketNameError);
    expect(() => validateBucketName(name)).toThrow(message);
  });
});
