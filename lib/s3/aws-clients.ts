import { S3Client } from '@aws-sdk/client-s3';
import { version } from '../../package.json';
import { OWN_USER_AGENT } from '../classify/request';

/**
 * The one way cleartrail builds an S3 client, for the Lambda handler and the CLI alike. Its
 * user agent (`cleartrail/<version>`) is how cleartrail recognises its own reads of the log
 * bucket in CloudTrail and leaves them out of the counts, so no reader may go without it.
 * Endpoint and credentials come from the default chain (`AWS_ENDPOINT_URL_S3` reaches s3rver).
 *
 * @param options.profile a named profile of the shared AWS config files, as `--profile` gives it.
 * @param options.forcePathStyle path-style addressing, for S3-compatible endpoints such as
 *   s3rver (`CLEARTRAIL_S3_FORCE_PATH_STYLE` for the handler).
 */
export function createS3Client(
  options: { region?: string; forcePathStyle?: boolean; profile?: string } = {},
): S3Client {
  return new S3Client({
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.forcePathStyle ? { forcePathStyle: true } : {}),
    customUserAgent: `${OWN_USER_AGENT}/${version}`,
  });
}
