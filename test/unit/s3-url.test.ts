import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '../../lib/core/errors';
import { s3Location } from '../../lib/s3/log-objects';
import { isS3Url, parseS3Url } from '../../lib/s3/s3-url';

describe('Function: parseS3Url', () => {
  it.each([
    ['s3://acme-trail/AWSLogs/x.json.gz', { bucket: 'acme-trail', key: 'AWSLogs/x.json.gz' }],
    ['s3://acme-trail/audit logs/AWSLogs/my log.json', { bucket: 'acme-trail', key: 'audit logs/AWSLogs/my log.json' }],
    ['s3://acme-trail/a%20b+c.json', { bucket: 'acme-trail', key: 'a%20b+c.json' }],
    ['s3://acme-trail/dir//double/', { bucket: 'acme-trail', key: 'dir//double/' }],
    ['s3://Legacy_Bucket/k', { bucket: 'Legacy_Bucket', key: 'k' }],
    [
      's3://acme-trail/k.json.gz?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
      {
        bucket: 'acme-trail',
        key: 'k.json.gz',
        versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
      },
    ],
  ])('reads %s', (url, ref) => {
    expect(parseS3Url(url)).toEqual(ref);
  });

  it.each([
    { bucket: 'acme-trail', key: 'AWSLogs/a b.json.gz' },
    { bucket: 'acme-trail', key: 'k', versionId: 'v1' },
  ])('reads back the location a failure record carries: %j', (ref) => {
    expect(parseS3Url(s3Location(ref))).toEqual(ref);
  });

  it.each([
    ['s3://acme-trail', 'names no object: expected s3://bucket/key'],
    ['s3://acme-trail/', 'names no object: expected s3://bucket/key'],
    ['s3://acme-trail/?versionId=v1', 'names no object: expected s3://bucket/key'],
    ['s3:///key', 'has a bad bucket name'],
    ['s3://ab/key', 'has a bad bucket name'],
    ['s3://arn:aws:s3:::acme/key', 'has a bad bucket name'],
    ['https://acme-trail.s3.amazonaws.com/key', 'does not start with s3://'],
  ])('refuses %s, saying why', (url, problem) => {
    // Act
    const parse = () => parseS3Url(url);

    // Assess
    expect(parse).toThrow(InvalidValueError);
    expect(parse).toThrow(`S3 URL ${JSON.stringify(url)} ${problem}`);
  });
});

describe('Function: isS3Url', () => {
  it('tells an S3 location from a local path', () => {
    expect(isS3Url('s3://acme-trail/k')).toBe(true);
    expect(isS3Url('./logs/s3:/k.json')).toBe(false);
  });
});
