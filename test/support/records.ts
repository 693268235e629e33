import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';

/**
 * An S3 data event over HTTPS (TLS 1.3) as CloudTrail writes one since eventVersion 1.08, for
 * tests that build their own logs; `overrides` turn it into anything else.
 */
export function httpsS3Record(
  bucket: string,
  time: string,
  id: string,
  overrides: Partial<CloudTrailRecord> = {},
): CloudTrailRecord {
  // Written as CloudTrail writes it, with fields cleartrail does not read (`key`, `awsRegion`...).
  const record: CloudTrailRecord & Record<string, unknown> = {
    eventVersion: '1.10',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::111122223333:user/app',
      accountId: '111122223333',
    },
    eventTime: time,
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.50',
    userAgent: '[aws-sdk-js/3.700.0]',
    requestParameters: { bucketName: bucket, Host: `${bucket}.s3.us-east-1.amazonaws.com`, key: 'data.csv' } as object,
    additionalEventData: {
      SignatureVersion: 'SigV4',
      CipherSuite: 'TLS_AES_128_GCM_SHA256',
      AuthenticationMethod: 'AuthHeader',
    },
    eventID: id,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${bucket}.s3.us-east-1.amazonaws.com`,
    } as object,
    ...overrides,
  };
  return record;
}
