import { describe, expect, it } from 'vitest';
import { type BucketFacts, bucketRegion, preflightProblems } from '../../lib/lambda/bucket-preflight';

/** A bucket the stack can use: in its region, with a delivery file under the prefix. */
const ready: BucketFacts = {
  bucket: 'trail',
  locationConstraint: 'eu-central-1',
  prefix: 'AWSLogs/',
  prefixParameter: 'logPrefix',
  hasObjectUnderPrefix: true,
  topLevelFolders: [],
};

describe('Function: bucketRegion', () => {
  it.each([
    [undefined, 'us-east-1'],
    ['', 'us-east-1'],
    ['EU', 'eu-west-1'],
    ['eu-west-1', 'eu-west-1'],
    ['ap-southeast-4', 'ap-southeast-4'],
  ])('LocationConstraint %j is %s', (constraint, region) => {
    expect(bucketRegion(constraint)).toBe(region);
  });
});

describe('Function: preflightProblems', () => {
  it('finds nothing wrong with a bucket in the stack region that has objects under the prefix', () => {
    expect(preflightProblems(ready, 'eu-central-1')).toEqual([]);
  });

  it('a bucket in another region: says to deploy to the bucket region', () => {
    expect(preflightProblems(ready, 'us-east-1')).toEqual([
      `bucket trail is in eu-central-1 and the stack in us-east-1: S3 notifies only queues in the bucket's region; deploy with --param="region=eu-central-1"`,
    ]);
    // An old eu-west-1 bucket answers EU, a us-east-1 one nothing.
    expect(preflightProblems({ ...ready, locationConstraint: 'EU' }, 'eu-west-1')).toEqual([]);
    expect(preflightProblems({ ...ready, locationConstraint: undefined }, 'eu-west-1')[0]).toContain(
      '--param="region=us-east-1"',
    );
  });

  it('an organisation trail folder at the top (Control Tower): says the logPrefix to set', () => {
    const problems = preflightProblems(
      { ...ready, hasObjectUnderPrefix: false, topLevelFolders: ['o-abc123defg/', 'config/'] },
      'eu-central-1',
    );
    expect(problems).toEqual([
      'no object under s3://trail/AWSLogs/, but the bucket has the organisation trail folder o-abc123defg/: set --param="logPrefix=o-abc123defg/AWSLogs/"',
    ]);
  });

  it('several organisation folders: offers each', () => {
    const [problem] = preflightProblems(
      { ...ready, hasObjectUnderPrefix: false, topLevelFolders: ['o-abc123defg/', 'o-zyx987wvut/'] },
      'eu-central-1',
    );
    expect(problem).toContain('folders o-abc123defg/, o-zyx987wvut/');
    expect(problem).toContain('--param="logPrefix=o-abc123defg/AWSLogs/" or --param="logPrefix=o-zyx987wvut/AWSLogs/"');
  });

  it("other folders (a trail's S3 key prefix): names them and the shape of the prefix", () => {
    const folders = Array.from({ length: 12 }, (_, i) => `folder${i}/`);
    const [problem] = preflightProblems(
      { ...ready, hasObjectUnderPrefix: false, topLevelFolders: folders },
      'eu-central-1',
    );
    expect(problem).toContain("the bucket's top-level folders are folder0/, folder1/");
    expect(problem).toContain('and 2 more');
    expect(problem).toContain('set --param="logPrefix=..."');
    expect(problem).toContain('e.g. folder0/AWSLogs/');
  });

  it('an empty bucket: says to wait for the first delivery', () => {
    const [problem] = preflightProblems({ ...ready, hasObjectUnderPrefix: false }, 'eu-central-1');
    expect(problem).toMatch(/^no object under s3:\/\/trail\/AWSLogs\/, and nothing at the top of the bucket either/);
    expect(problem).toContain('deploy again once the trail has delivered its first file');
  });

  it('names the parameter of the resource: the access-log bucket is set by accessLogPrefix', () => {
    const [problem] = preflightProblems(
      {
        ...ready,
        prefix: 'logs/',
        prefixParameter: 'accessLogPrefix',
        hasObjectUnderPrefix: false,
        topLevelFolders: ['s3/'],
      },
      'eu-central-1',
    );
    expect(problem).toContain(
      '--param="accessLogPrefix=..." to the target prefix server access logging writes under (e.g. s3/)',
    );
    expect(problem).not.toContain('AWSLogs/,');
  });

  it('both problems at once, region first', () => {
    expect(preflightProblems({ ...ready, hasObjectUnderPrefix: false }, 'us-west-2')).toHaveLength(2);
  });
});
