/**
 * What the custom resource learns of the log bucket before it changes anything: where the bucket
 * is, and whether anything lies under the prefix the stack filters on.
 */
export interface BucketFacts {
  bucket: string;
  /** GetBucketLocation's LocationConstraint as S3 answers it: empty for us-east-1, `EU` for eu-west-1. */
  locationConstraint: string | undefined;
  prefix: string;
  /** The stack parameter that sets `prefix`, named in the fix. */
  prefixParameter: string;
  hasObjectUnderPrefix: boolean;
  /** The folders at the top of the bucket (`o-abc123/`, `AWSLogs/`), for a prefix that finds nothing. */
  topLevelFolders: string[];
}

/** An organisation id as AWS writes it in an organisation trail's folder. */
const ORGANISATION_FOLDER = /^o-[a-z0-9]{10,32}\/$/;

/** The region a LocationConstraint names (S3 answers none for us-east-1 and `EU` for the oldest eu-west-1 buckets). */
export function bucketRegion(locationConstraint: string | undefined): string {
  if (!locationConstraint) return 'us-east-1';
  return locationConstraint === 'EU' ? 'eu-west-1' : locationConstraint;
}

/**
 * Why the stack cannot work with this bucket as configured, one sentence each with what to set;
 * empty when it can. A bucket in another region cannot notify the stack's queue (S3 notifies only
 * queues in its own region) and its KMS right names the stack's region. A prefix with nothing
 * under it deploys fine and never counts anything: an organisation trail writes under
 * `o-<id>/AWSLogs/`, a trail with a prefix under `<prefix>/AWSLogs/`.
 *
 * @example
 * preflightProblems({ bucket: 'trail', locationConstraint: '', prefix: 'AWSLogs/', prefixParameter: 'logPrefix',
 *   hasObjectUnderPrefix: false, topLevelFolders: ['o-abc123defg/'] }, 'us-east-1');
 * // ['no object under s3://trail/AWSLogs/ ... set --param="logPrefix=o-abc123defg/AWSLogs/"']
 */
export function preflightProblems(facts: BucketFacts, stackRegion: string): string[] {
  const problems: string[] = [];
  const region = bucketRegion(facts.locationConstraint);
  if (region !== stackRegion) {
    problems.push(
      `bucket ${facts.bucket} is in ${region} and the stack in ${stackRegion}: S3 notifies only queues in the bucket's ` +
        `region; deploy with --param="region=${region}"`,
    );
  }
  if (!facts.hasObjectUnderPrefix) problems.push(emptyPrefixProblem(facts));
  return problems;
}

function emptyPrefixProblem(facts: BucketFacts): string {
  const where = `no object under s3://${facts.bucket}/${facts.prefix}`;
  const organisations = facts.topLevelFolders.filter((folder) => ORGANISATION_FOLDER.test(folder));
  const suggestions = organisations.map((folder) => `--param="${facts.prefixParameter}=${folder}${facts.prefix}"`);
  if (organisations.length > 0) {
    return `${where}, but the bucket has the organisation trail folder${organisations.length > 1 ? 's' : ''} ${organisations.join(', ')}: set ${suggestions.join(' or ')}`;
  }
  if (facts.topLevelFolders.length > 0) {
    const shown = facts.topLevelFolders.slice(0, 10);
    const more =
      facts.topLevelFolders.length > shown.length ? ` and ${facts.topLevelFolders.length - shown.length} more` : '';
    // A trail writes under <its S3 key prefix>/AWSLogs/; server access logging under its target prefix.
    const shape =
      facts.prefixParameter === 'logPrefix'
        ? `the folder the trail writes (its S3 key prefix followed by AWSLogs/, e.g. ${shown[0]}AWSLogs/)`
        : `the target prefix server access logging writes under (e.g. ${shown[0]})`;
    return `${where}; the bucket's top-level folders are ${shown.join(', ')}${more}: set --param="${facts.prefixParameter}=..." to ${shape}`;
  }
  return (
    `${where}, and nothing at the top of the bucket either: deploy again once the trail has delivered its first file ` +
    `(within about 15 minutes of logging), or set --param="${facts.prefixParameter}=..." to where it writes`
  );
}
