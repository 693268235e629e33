import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/core/errors';
import { parseSelectorsDocument, type TrailReading } from '../../lib/core/event-selectors';
import { bucketCoverage, type CoverageState, coverageCode, coverageFix } from '../../lib/report/coverage';

const TRAIL_ARN = 'arn:aws:cloudtrail:us-east-2:123456789012:trail/TrailName';
const READ_AT = '2026-12-01T10:00:00.000Z';

/** A reading of the `get-event-selectors` document, as `cleartrail coverage --selectors` makes it. */
function reading(document: Record<string, unknown>, extra: Partial<TrailReading> = {}): TrailReading {
  const selectors = parseSelectorsDocument({ TrailARN: TRAIL_ARN, ...document }, 'test document');
  return { ...selectors, name: 'TrailName', readAt: READ_AT, multiRegion: true, ...extra };
}

const data = (...fields: Array<Record<string, unknown>>) => ({
  FieldSelectors: [
    { Field: 'eventCategory', Equals: ['Data'] },
    { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
    ...fields,
  ],
});
const MANAGEMENT = { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] };

interface Case {
  name: string;
  document: Record<string, unknown>;
  bucket: string;
  reads: CoverageState;
  writes: CoverageState;
  management: CoverageState;
  /** Words every reason of a partial or missing part must contain, per part. */
  why?: { reads?: string; writes?: string; management?: string };
}

/**
 * The selector documents of the CloudTrail User Guide ("Logging data events", "Filtering data
 * events by using advanced event selectors") and the shapes people write from them, each with
 * the coverage a bucket gets.
 */
const DOCUMENTED: Case[] = [
  {
    name: 'guide: the default of a new trail (basic, all management events, no data events)',
    document: { EventSelectors: [{ IncludeManagementEvents: true, DataResources: [], ReadWriteType: 'All' }] },
    bucket: 'mybucket',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'logged',
    why: { reads: 'no selector of trail TrailName selects data events' },
  },
  {
    name: 'guide: basic selectors for two S3 prefixes (the bucket of the first)',
    document: {
      EventSelectors: [
        {
          ReadWriteType: 'All',
          IncludeManagementEvents: true,
          DataResources: [
            { Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::mybucket/prefix', 'arn:aws:s3:::mybucket2/prefix2'] },
          ],
        },
      ],
    },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'logged',
    why: { reads: 'logged under prefix*', writes: 'not logged under the rest of the bucket' },
  },
  {
    name: 'guide: basic selectors for two S3 prefixes (a bucket named in neither)',
    document: {
      EventSelectors: [
        {
          ReadWriteType: 'All',
          IncludeManagementEvents: true,
          DataResources: [
            { Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::mybucket/prefix', 'arn:aws:s3:::mybucket2/prefix2'] },
          ],
        },
      ],
    },
    bucket: 'otherbucket',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'logged',
  },
  {
    name: 'guide: management events plus PutObject and DeleteObject for two prefixes',
    document: {
      AdvancedEventSelectors: [
        { ...MANAGEMENT, Name: 'Log readOnly and writeOnly management events' },
        {
          Name: 'Log PutObject and DeleteObject events for two S3 prefixes',
          ...data(
            { Field: 'eventName', Equals: ['PutObject', 'DeleteObject'] },
            { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::mybucket/prefix', 'arn:aws:s3:::mybucket2/prefix2'] },
          ),
        },
      ],
    },
    bucket: 'mybucket2',
    reads: 'not-logged',
    writes: 'partial',
    management: 'logged',
    why: { reads: 'records writes of the bucket but no reads', writes: 'only PutObject, DeleteObject' },
  },
  {
    name: 'guide: all S3 events for a bucket (StartsWith the bucket ARN with its slash)',
    document: {
      AdvancedEventSelectors: [
        { Name: 'S3EventSelector', ...data({ Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::bucket_name/'] }) },
      ],
    },
    bucket: 'bucket_name',
    reads: 'logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'guide: as the CLI prints it, every operator present and the unused ones empty',
    document: {
      AdvancedEventSelectors: [
        {
          Name: 'S3EventSelector',
          FieldSelectors: [
            {
              Field: 'eventCategory',
              Equals: ['Data'],
              StartsWith: [],
              EndsWith: [],
              NotEquals: [],
              NotStartsWith: [],
              NotEndsWith: [],
            },
            { Field: 'resources.type', Equals: ['AWS::S3::Object'], StartsWith: [], NotEquals: [] },
            { Field: 'resources.ARN', Equals: [], StartsWith: ['arn:aws:s3:::bucket_name/'], NotStartsWith: [] },
          ],
        },
      ],
    },
    bucket: 'bucket_name',
    reads: 'logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'guide: DeleteObject calls for one bucket (readOnly false)',
    document: {
      AdvancedEventSelectors: [
        {
          Name: 'Log DeleteObject API calls for a specific S3 bucket',
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'eventName', Equals: ['DeleteObject'] },
            { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::amzn-s3-demo-bucket'] },
            { Field: 'readOnly', Equals: ['false'] },
            { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          ],
        },
      ],
    },
    bucket: 'amzn-s3-demo-bucket',
    reads: 'not-logged',
    writes: 'partial',
    management: 'not-logged',
    why: { writes: 'only DeleteObject' },
  },
  {
    name: 'guide: exclude two buckets from all S3 data events (NotStartsWith, a bucket excluded)',
    document: {
      AdvancedEventSelectors: [
        data({
          Field: 'resources.ARN',
          NotStartsWith: ['arn:aws:s3:::amzn-s3-demo-bucket1/', 'arn:aws:s3:::amzn-s3-demo-bucket2/'],
        }),
      ],
    },
    bucket: 'amzn-s3-demo-bucket2',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'not-logged',
  },
  {
    name: 'guide: exclude two buckets from all S3 data events (another bucket)',
    document: {
      AdvancedEventSelectors: [
        data({
          Field: 'resources.ARN',
          NotStartsWith: ['arn:aws:s3:::amzn-s3-demo-bucket1/', 'arn:aws:s3:::amzn-s3-demo-bucket2/'],
        }),
      ],
    },
    bucket: 'amzn-s3-demo-bucket3',
    reads: 'logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'guide: all current and future buckets, read events only (basic, arn:aws:s3)',
    document: {
      EventSelectors: [
        {
          ReadWriteType: 'ReadOnly',
          IncludeManagementEvents: true,
          DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }],
        },
      ],
    },
    bucket: 'anything',
    reads: 'logged',
    writes: 'not-logged',
    management: 'partial',
    why: { management: 'read management events only', writes: 'records reads of the bucket but no writes' },
  },
  {
    name: 'guide: all current and future buckets, write events only (basic, arn:aws:s3:::)',
    document: {
      EventSelectors: [
        {
          ReadWriteType: 'WriteOnly',
          IncludeManagementEvents: false,
          DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::'] }],
        },
      ],
    },
    bucket: 'anything',
    reads: 'not-logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'guide: basic data resources of Lambda functions only',
    document: {
      EventSelectors: [
        { ReadWriteType: 'All', DataResources: [{ Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] }] },
      ],
    },
    bucket: 'anything',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'logged',
  },
  {
    name: 'guide: basic, KMS and RDS Data API events excluded from management events',
    document: {
      EventSelectors: [
        {
          ReadWriteType: 'All',
          IncludeManagementEvents: true,
          ExcludeManagementEventSources: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'],
        },
      ],
    },
    bucket: 'anything',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'logged',
  },
  {
    name: 'guide: S3 access points (resources.type AWS::S3::AccessPoint)',
    document: {
      AdvancedEventSelectors: [
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::S3::AccessPoint'] },
            { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:us-east-1:123456789012:accesspoint/my-access-point'] },
          ],
        },
      ],
    },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'only requests through S3 access points' },
  },
  {
    name: 'guide: management events, read-only (advanced readOnly true)',
    document: {
      AdvancedEventSelectors: [
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Management'] },
            { Field: 'readOnly', Equals: ['true'] },
          ],
        },
      ],
    },
    bucket: 'mybucket',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'partial',
    why: { management: 'read management events only' },
  },
  {
    name: 'guide: management events without KMS (eventSource NotEquals kms.amazonaws.com)',
    document: {
      AdvancedEventSelectors: [
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Management'] },
            { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] },
          ],
        },
      ],
    },
    bucket: 'mybucket',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'logged',
  },
  {
    name: 'guide: exclude a service role from S3 data events (userIdentity.arn NotStartsWith)',
    document: {
      AdvancedEventSelectors: [
        data({
          Field: 'userIdentity.arn',
          NotStartsWith: ['arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForExample'],
        }),
      ],
    },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: {
      reads:
        'not principals with userIdentity.arn NotStartsWith arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForExample',
    },
  },
  {
    name: 'guide: the writes of one critical bucket (readOnly false)',
    document: {
      AdvancedEventSelectors: [
        {
          Name: 'Critical receipt bucket writes',
          ...data(
            { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::prod-checkout-receipts/'] },
            { Field: 'readOnly', Equals: ['false'] },
          ),
        },
      ],
    },
    bucket: 'prod-checkout-receipts',
    reads: 'not-logged',
    writes: 'logged',
    management: 'not-logged',
    why: {
      reads:
        'trail TrailName records writes of the bucket but no reads: selector "Critical receipt bucket writes" leaves them out',
    },
  },
  {
    name: 'guide: management events and S3 reads of one prefix, writes of a wider one',
    document: {
      AdvancedEventSelectors: [
        MANAGEMENT,
        {
          Name: 'Reads of PII objects',
          ...data(
            { Field: 'readOnly', Equals: ['true'] },
            { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::acme-lake-prod/gold/pii/'] },
          ),
        },
        {
          Name: 'Writes and deletes in gold',
          ...data(
            { Field: 'readOnly', Equals: ['false'] },
            { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::acme-lake-prod/gold/'] },
          ),
        },
      ],
    },
    bucket: 'acme-lake-prod',
    reads: 'partial',
    writes: 'partial',
    management: 'logged',
    why: { reads: 'logged under gold/pii/*', writes: 'logged under gold/*' },
  },
];

/** Hand-made edge cases: every field and operator, and the traps of ARN prefixes. */
const EDGES: Case[] = [
  {
    name: 'a bucket-name prefix without the slash also covers longer bucket names',
    document: { AdvancedEventSelectors: [data({ Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::data'] })] },
    bucket: 'data-lake',
    reads: 'logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'the bucket ARN with its slash does not cover a longer bucket name',
    document: { AdvancedEventSelectors: [data({ Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::data/'] })] },
    bucket: 'data-lake',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'not-logged',
  },
  {
    name: 'Equals the bucket ARN itself selects no object',
    document: { AdvancedEventSelectors: [data({ Field: 'resources.ARN', Equals: ['arn:aws:s3:::mybucket'] })] },
    bucket: 'mybucket',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'not-logged',
  },
  {
    name: 'Equals one object ARN: only that object',
    document: {
      AdvancedEventSelectors: [data({ Field: 'resources.ARN', Equals: ['arn:aws:s3:::mybucket/config.json'] })],
    },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'only the object config.json' },
  },
  {
    name: 'NotEquals one object ARN: all but that object',
    document: {
      AdvancedEventSelectors: [
        data({
          Field: 'resources.ARN',
          StartsWith: ['arn:aws:s3:::mybucket/'],
          NotEquals: ['arn:aws:s3:::mybucket/heartbeat'],
        }),
      ],
    },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'not the object heartbeat' },
  },
  {
    name: 'NotEquals an object of another bucket changes nothing',
    document: {
      AdvancedEventSelectors: [data({ Field: 'resources.ARN', NotEquals: ['arn:aws:s3:::other/heartbeat'] })],
    },
    bucket: 'mybucket',
    reads: 'logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'EndsWith a suffix: only those keys',
    document: { AdvancedEventSelectors: [data({ Field: 'resources.ARN', EndsWith: ['.jpg'] })] },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'only keys ending in .jpg' },
  },
  {
    name: 'NotEndsWith a suffix: all other keys',
    document: { AdvancedEventSelectors: [data({ Field: 'resources.ARN', NotEndsWith: ['.tmp'] })] },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { writes: 'not keys ending in .tmp' },
  },
  {
    name: 'the bucket but not its tmp/ prefix: split by prefix',
    document: {
      AdvancedEventSelectors: [
        data({
          Field: 'resources.ARN',
          StartsWith: ['arn:aws:s3:::mybucket/'],
          NotStartsWith: ['arn:aws:s3:::mybucket/tmp/'],
        }),
      ],
    },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'not logged under tmp/*' },
  },
  {
    name: 'eventName NotEquals a read: reads partial, writes whole',
    document: { AdvancedEventSelectors: [data({ Field: 'eventName', NotEquals: ['GetObject'] })] },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'logged',
    management: 'not-logged',
    why: { reads: 'not GetObject' },
  },
  {
    name: 'eventName StartsWith the prefixes of every read',
    document: { AdvancedEventSelectors: [data({ Field: 'eventName', StartsWith: ['Get', 'Head', 'List', 'Select'] })] },
    bucket: 'mybucket',
    reads: 'logged',
    writes: 'not-logged',
    management: 'not-logged',
  },
  {
    name: 'eventName NotStartsWith Delete and NotEndsWith Tagging',
    document: {
      AdvancedEventSelectors: [data({ Field: 'eventName', NotStartsWith: ['Delete'], NotEndsWith: ['Tagging'] })],
    },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: {
      reads: 'not GetObjectTagging',
      writes: 'not DeleteObject, DeleteObjects, PutObjectTagging, DeleteObjectTagging',
    },
  },
  {
    name: 'eventName EndsWith Object: some reads, some writes',
    document: { AdvancedEventSelectors: [data({ Field: 'eventName', EndsWith: ['Object'] })] },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'only GetObject, HeadObject', writes: 'only PutObject, CopyObject, DeleteObject, RestoreObject' },
  },
  {
    name: 'userIdentity.arn Equals one role: only its requests',
    document: {
      AdvancedEventSelectors: [data({ Field: 'userIdentity.arn', Equals: ['arn:aws:iam::123456789012:role/app'] })],
    },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'only principals with userIdentity.arn Equals arn:aws:iam::123456789012:role/app' },
  },
  {
    name: 'eventSource Equals s3.amazonaws.com selects every S3 event',
    document: { AdvancedEventSelectors: [data({ Field: 'eventSource', Equals: ['s3.amazonaws.com'] })] },
    bucket: 'mybucket',
    reads: 'logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'eventSource NotEquals s3.amazonaws.com selects none',
    document: { AdvancedEventSelectors: [data({ Field: 'eventSource', NotEquals: ['s3.amazonaws.com'] })] },
    bucket: 'mybucket',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'not-logged',
  },
  {
    name: 'eventType Equals AwsApiCall selects the calls cleartrail counts',
    document: { AdvancedEventSelectors: [data({ Field: 'eventType', Equals: ['AwsApiCall'] })] },
    bucket: 'mybucket',
    reads: 'logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'eventType Equals AwsServiceEvent selects none of them',
    document: { AdvancedEventSelectors: [data({ Field: 'eventType', Equals: ['AwsServiceEvent'] })] },
    bucket: 'mybucket',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'not-logged',
  },
  {
    name: 'console sessions left out hide no client (they are counted as service)',
    document: { AdvancedEventSelectors: [data({ Field: 'sessionCredentialFromConsole', NotEquals: ['true'] })] },
    bucket: 'mybucket',
    reads: 'logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'console sessions only',
    document: { AdvancedEventSelectors: [data({ Field: 'sessionCredentialFromConsole', Equals: ['true'] })] },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'only console sessions' },
  },
  {
    name: 'a field cleartrail does not model makes coverage partial, never logged',
    document: { AdvancedEventSelectors: [data({ Field: 'errorCode', NotEquals: ['AccessDenied'] })] },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'a condition cleartrail does not model' },
  },
  {
    name: 'a write-only and a read-only selector add up to every data event',
    document: {
      AdvancedEventSelectors: [
        data({ Field: 'readOnly', Equals: ['false'] }),
        data(
          { Field: 'readOnly', Equals: ['true'] },
          { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::mybucket/'] },
        ),
      ],
    },
    bucket: 'mybucket',
    reads: 'logged',
    writes: 'logged',
    management: 'not-logged',
  },
  {
    name: 'two prefixes that together are the whole bucket are still partial where a third key could be',
    document: {
      AdvancedEventSelectors: [
        data({ Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::mybucket/a', 'arn:aws:s3:::mybucket/b'] }),
      ],
    },
    bucket: 'mybucket',
    reads: 'partial',
    writes: 'partial',
    management: 'not-logged',
    why: { reads: 'logged under a*, b*' },
  },
  {
    name: 'Lambda data events only (advanced)',
    document: {
      AdvancedEventSelectors: [
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::Lambda::Function'] },
          ],
        },
      ],
    },
    bucket: 'mybucket',
    reads: 'not-logged',
    writes: 'not-logged',
    management: 'not-logged',
  },
];

describe('Coverage from event selectors', () => {
  it.each([...DOCUMENTED, ...EDGES])('$name', ({ document, bucket, reads, writes, management, why }) => {
    // Act
    const coverage = bucketCoverage(bucket, [reading(document)], undefined);

    // Assess
    expect({ reads: coverage.reads, writes: coverage.writes, management: coverage.management }).toEqual({
      reads,
      writes,
      management,
    });
    for (const [part, words] of Object.entries(why ?? {})) {
      expect(coverage.why?.[part as 'reads'], `why of ${part}`).toEqual(
        expect.arrayContaining([expect.stringContaining(words)]),
      );
    }
    for (const part of ['reads', 'writes', 'management'] as const) {
      if (coverage[part] === 'partial')
        expect(coverage.why?.[part]?.length, `a partial ${part} says why`).toBeGreaterThan(0);
    }
    expect(coverage.trails).toHaveLength(1);
    expect(coverage.readAt).toBe(READ_AT);
  });

  it('lists each prefix where the selectors cut the bucket, the rest of it as ""', () => {
    // Prepare
    const trail = reading({
      AdvancedEventSelectors: [
        data({
          Field: 'resources.ARN',
          StartsWith: ['arn:aws:s3:::mybucket/'],
          NotStartsWith: ['arn:aws:s3:::mybucket/tmp/'],
        }),
        data(
          { Field: 'readOnly', Equals: ['false'] },
          { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::mybucket/tmp/keep/'] },
        ),
      ],
    });

    // Act
    const coverage = bucketCoverage('mybucket', [trail], undefined);

    // Assess
    expect(coverage.prefixes).toEqual([
      { prefix: '', reads: 'logged', writes: 'logged' },
      { prefix: 'tmp/', reads: 'not-logged', writes: 'not-logged' },
      { prefix: 'tmp/keep/', reads: 'not-logged', writes: 'logged' },
    ]);
  });

  it('is the union over trails: a write-only trail and a read-only trail cover both, and each trail says its part', () => {
    // Prepare
    const writes = reading(
      { AdvancedEventSelectors: [data({ Field: 'readOnly', Equals: ['false'] })] },
      { name: 'writes', trailArn: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/writes' },
    );
    const reads = reading(
      { AdvancedEventSelectors: [MANAGEMENT, data({ Field: 'readOnly', Equals: ['true'] })] },
      {
        name: 'reads',
        trailArn: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/reads',
        readAt: '2026-11-30T00:00:00.000Z',
      },
    );

    // Act
    const coverage = bucketCoverage('mybucket', [writes, reads], undefined);

    // Assess
    expect([coverage.reads, coverage.writes, coverage.management]).toEqual(['logged', 'logged', 'logged']);
    expect(coverage.trails.map((t) => [t.trail, t.reads, t.writes, t.management])).toEqual([
      ['writes', 'not-logged', 'logged', 'not-logged'],
      ['reads', 'logged', 'not-logged', 'logged'],
    ]);
    expect(coverage.readAt).toBe('2026-11-30T00:00:00.000Z');
  });

  it('records nothing of a stopped trail, and says so', () => {
    const coverage = bucketCoverage(
      'mybucket',
      [reading({ AdvancedEventSelectors: [data()] }, { logging: false })],
      undefined,
    );
    expect([coverage.reads, coverage.writes]).toEqual(['not-logged', 'not-logged']);
    expect(coverage.why?.reads).toEqual(['trail TrailName is not logging']);
  });

  it('a single-region trail covers a bucket only in its region: partial when the region is unknown', () => {
    // Prepare
    const trail = reading({ AdvancedEventSelectors: [data()] }, { multiRegion: false, homeRegion: 'us-east-2' });

    // Act
    const unknownRegion = bucketCoverage('mybucket', [trail], undefined);
    const sameRegion = bucketCoverage('mybucket', [trail], undefined, { bucketRegions: { mybucket: 'us-east-2' } });
    const otherRegion = bucketCoverage('mybucket', [trail], undefined, { bucketRegions: { mybucket: 'eu-west-1' } });

    // Assess
    expect(unknownRegion.reads).toBe('partial');
    expect(unknownRegion.why?.reads?.[0]).toContain('single-region trail (us-east-2)');
    expect(sameRegion.reads).toBe('logged');
    expect(otherRegion.reads).toBe('not-logged');
  });

  it("reads S3 ARNs in the trail's partition (aws-cn)", () => {
    const trail = reading(
      { AdvancedEventSelectors: [data({ Field: 'resources.ARN', StartsWith: ['arn:aws-cn:s3:::mybucket/'] })] },
      { trailArn: 'arn:aws-cn:cloudtrail:cn-north-1:123456789012:trail/cn' },
    );
    expect(bucketCoverage('mybucket', [trail], undefined).reads).toBe('logged');
  });

  it('is unknown when no trail was ever read, and "?" in the report column', () => {
    const coverage = bucketCoverage('mybucket', [], undefined);
    expect([coverage.reads, coverage.writes, coverage.management]).toEqual(['unknown', 'unknown', 'unknown']);
    expect(coverage.readAt).toBeUndefined();
    expect(coverageCode(coverage)).toBe('?');
  });

  it('counts server access logging as recording every part, apart from what CloudTrail records', () => {
    // Prepare
    const writeOnly = reading({ AdvancedEventSelectors: [data({ Field: 'readOnly', Equals: ['false'] })] });
    const logging = {
      bucket: 'mybucket',
      readAt: READ_AT,
      enabled: true,
      targetBucket: 'logs',
      targetPrefix: 'mybucket/',
    };

    // Act
    const coverage = bucketCoverage('mybucket', [writeOnly], logging);
    const off = bucketCoverage('mybucket', [writeOnly], { ...logging, enabled: false });

    // Assess
    expect([coverage.reads, coverage.writes]).toEqual(['logged', 'logged']);
    expect(coverage.cloudTrail.reads).toBe('not-logged');
    expect(coverage.accessLogs).toEqual({
      enabled: true,
      target: 's3://logs/mybucket/',
      targetBucket: 'logs',
      readAt: READ_AT,
    });
    expect(off.reads).toBe('not-logged');
    expect(off.why?.reads).toContain('server access logging is off for mybucket');
  });

  it.each([
    [{ reads: 'logged', writes: 'logged' }, 'rw'],
    [{ reads: 'partial', writes: 'logged' }, 'w'],
    [{ reads: 'logged', writes: 'not-logged' }, 'r'],
    [{ reads: 'partial', writes: 'partial' }, 'none'],
    [{ reads: 'not-logged', writes: 'not-logged' }, 'none'],
  ] as const)('shows %o as %s in the report column', (parts, code) => {
    expect(coverageCode(parts)).toBe(code);
  });

  it("fixes a gap with the trail's own selectors kept and one for the bucket added, or with access logs", () => {
    // Prepare
    const trail = reading({
      EventSelectors: [
        {
          ReadWriteType: 'WriteOnly',
          IncludeManagementEvents: true,
          DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }],
        },
      ],
    });

    // Act
    const fix = coverageFix('mybucket', [trail], 'my-log-bucket');

    // Assess
    const json = /--advanced-event-selectors '(.*)'$/.exec(fix.putEventSelectors.command)?.[1] as string;
    const selectors = JSON.parse(json);
    const fixed = bucketCoverage('mybucket', [reading({ AdvancedEventSelectors: selectors })], undefined);
    expect([fixed.reads, fixed.writes, fixed.management]).toEqual(['logged', 'logged', 'partial']);
    expect(fix.putEventSelectors.command).toMatch(/^aws cloudtrail put-event-selectors --trail-name TrailName /);
    expect(fix.putEventSelectors.cost).toContain('$0.10 per 100,000');
    expect(fix.putBucketLogging.command).toBe(
      'aws s3api put-bucket-logging --bucket mybucket --bucket-logging-status \'{"LoggingEnabled":{"TargetBucket":"my-log-bucket","TargetPrefix":"mybucket/"}}\'',
    );
  });
});

describe('Reading a get-event-selectors document', () => {
  it.each([
    [[], 'is not a JSON object'],
    [{ EventSelectors: [] }, 'has no TrailARN'],
    [{ TrailARN: TRAIL_ARN, EventSelectors: [{}], AdvancedEventSelectors: [MANAGEMENT] }, 'has both'],
    [
      { TrailARN: TRAIL_ARN, EventSelectors: [{ ReadWriteType: 'Some' }] },
      'EventSelectors[0].ReadWriteType "Some" is not',
    ],
    [
      { TrailARN: TRAIL_ARN, AdvancedEventSelectors: [{ FieldSelectors: [] }] },
      'AdvancedEventSelectors[0] has no FieldSelectors',
    ],
    [
      { TrailARN: TRAIL_ARN, AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'readOnly', Equals: ['true'] }] }] },
      'AdvancedEventSelectors[0] has no eventCategory',
    ],
    [
      { TrailARN: TRAIL_ARN, AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: [] }] }] },
      'AdvancedEventSelectors[0].FieldSelectors[0] (eventCategory) has no operator with a value',
    ],
    [
      { TrailARN: TRAIL_ARN, AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: [1] }] }] },
      'AdvancedEventSelectors[0].FieldSelectors[0].Equals is not a list of strings',
    ],
  ])('refuses %j, naming the document and the field', (document, problem) => {
    expect(() => parseSelectorsDocument(document, 'trail.json')).toThrow(ConfigurationError);
    expect(() => parseSelectorsDocument(document, 'trail.json')).toThrow(`trail.json: ${problem}`);
  });
});
