import type { CloudTrailRecord, RequestParameters } from './cloudtrail-record';

/** Requests that name no bucket (`ListBuckets`, account-level calls) are counted under this name, which no bucket can have. */
export const NO_BUCKET = '(none)';

export interface BucketTarget {
  bucket: string;
  /** The request went to the S3 website endpoint, which has no HTTPS at all. */
  website: boolean;
}

// Virtual-hosted style: <bucket>.s3.<region>.amazonaws.com, <bucket>.s3-<region>.amazonaws.com,
// <bucket>.s3-website-<region>.amazonaws.com, <bucket>.s3-website.<region>.amazonaws.com,
// <bucket>.s3.dualstack.<region>.amazonaws.com, <bucket>.s3-accelerate.amazonaws.com.
const VIRTUAL_HOSTED = /^(.+)\.s3(?:[.-](?!control)[a-z0-9.-]*)?\.amazonaws\.com(?:\.cn)?$/;
const WEBSITE_HOST = /\.s3-website[.-]/i;
const AWS_HOST = /\.amazonaws\.com(?:\.cn)?$/;

/**
 * Finds the bucket a request addressed: `requestParameters.bucketName`, else an
 * `AWS::S3::Bucket` entry of `resources[]`, else the Host header (`Host`, or `host` as an
 * array in very old records). A Host outside amazonaws.com is a website bucket served
 * under its own domain name (CNAME), whose name is the host itself.
 */
export function bucketTarget(record: CloudTrailRecord): BucketTarget {
  const params = record.requestParameters ?? undefined;
  const rawHost = params?.Host ?? params?.host;
  // Tested on the raw header: normalising it for every record cost 0.5 us, and most records
  // name their bucket in bucketName anyway.
  const website = (typeof rawHost === 'string' || Array.isArray(rawHost)) && WEBSITE_HOST.test(String(rawHost));

  const named = params?.bucketName;
  if (typeof named === 'string' && named.length > 0) return { bucket: named, website };

  for (const resource of record.resources ?? []) {
    if (resource?.type === 'AWS::S3::Bucket' && typeof resource.ARN === 'string') {
      const name = resource.ARN.replace(/^arn:aws[a-z-]*:s3:::/, '');
      if (name.length > 0 && !name.includes('/')) return { bucket: name, website };
    }
  }

  const host = hostHeader(params);
  if (host !== undefined) {
    const virtualHosted = VIRTUAL_HOSTED.exec(host);
    if (virtualHosted?.[1]) return { bucket: virtualHosted[1], website };
    if (!AWS_HOST.test(host) && host.includes('.')) return { bucket: host, website };
  }
  return { bucket: NO_BUCKET, website };
}

function hostHeader(params: RequestParameters | undefined): string | undefined {
  const raw = params?.Host ?? params?.host;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' || value.length === 0) return undefined;
  return value.toLowerCase().replace(/:\d+$/, '');
}
