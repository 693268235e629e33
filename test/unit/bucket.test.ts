import { describe, expect, it } from 'vitest';
import { bucketTarget, NO_BUCKET } from '../../lib/classify/bucket-target';

describe('Function: bucketTarget', () => {
  it('takes requestParameters.bucketName first', () => {
    expect(
      bucketTarget({ requestParameters: { bucketName: 'acme-data', Host: 'other.s3.amazonaws.com' }, resources: [] }),
    ).toEqual({ bucket: 'acme-data', website: false });
  });

  it('falls back to the AWS::S3::Bucket resource', () => {
    const target = bucketTarget({
      requestParameters: {},
      resources: [
        { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::acme-logs/a/b.txt' },
        { type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::acme-logs' },
      ],
    });
    expect(target).toEqual({ bucket: 'acme-logs', website: false });
  });

  it.each([
    ['acme.data.s3.us-east-1.amazonaws.com', 'acme.data'],
    ['acme-data.s3.amazonaws.com', 'acme-data'],
    ['acme-data.s3-eu-west-1.amazonaws.com', 'acme-data'],
    ['acme-data.s3.dualstack.eu-west-1.amazonaws.com', 'acme-data'],
    ['Acme-Data.S3.amazonaws.com:443', 'acme-data'],
    ['www.example.com', 'www.example.com'],
  ])('reads the bucket from the Host header %s', (host, bucket) => {
    expect(bucketTarget({ requestParameters: { Host: host } }).bucket).toBe(bucket);
  });

  it('reads the host array of very old records', () => {
    expect(bucketTarget({ requestParameters: { host: ['old-bucket.s3.amazonaws.com'] } }).bucket).toBe('old-bucket');
  });

  it('recognises the website endpoint, in both of its spellings', () => {
    expect(bucketTarget({ requestParameters: { Host: 'acme-site.s3-website-us-east-1.amazonaws.com' } })).toEqual({
      bucket: 'acme-site',
      website: true,
    });
    expect(
      bucketTarget({
        requestParameters: { bucketName: 'acme-site', Host: 'acme-site.s3-website.eu-west-1.amazonaws.com' },
      }),
    ).toEqual({ bucket: 'acme-site', website: true });
  });

  it.each([
    ['ListBuckets through the path-style endpoint', { Host: 's3.us-east-1.amazonaws.com' }],
    ['an S3 Control host, which names an account', { Host: '123837392027.s3-control.us-east-1.amazonaws.com' }],
    ['no parameters at all', null],
  ])('counts %s under no bucket', (_case, params) => {
    expect(bucketTarget({ requestParameters: params as Record<string, unknown> | null }).bucket).toBe(NO_BUCKET);
  });
});
