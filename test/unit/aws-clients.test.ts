import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { isOwnRequest } from '../../lib/classify/request';
import { createS3Client } from '../../lib/s3/aws-clients';
import { version } from '../../package.json';

describe('Function: createS3Client', () => {
  it("sends cleartrail's own user agent, which the counting recognises and leaves out", () => {
    // Act
    const client = createS3Client();

    // Assess
    expect(client.config.customUserAgent).toEqual([[`cleartrail/${version}`]]);
    expect(
      isOwnRequest({
        userAgent: `[aws-sdk-js/3.700.0 ua/2.1 os/linux lang/js md/nodejs#20 cleartrail/${version}]`,
      } as CloudTrailRecord),
    ).toBe(true);
    client.destroy();
  });

  it('applies the region and path-style addressing it is given, and leaves them to the default chain otherwise', async () => {
    // Act
    const given = createS3Client({ region: 'eu-west-1', forcePathStyle: true });
    const defaults = createS3Client();

    // Assess
    expect(await given.config.region()).toBe('eu-west-1');
    expect(given.config.forcePathStyle).toBe(true);
    expect(defaults.config.forcePathStyle).toBe(false);
    given.destroy();
    defaults.destroy();
  });
});
