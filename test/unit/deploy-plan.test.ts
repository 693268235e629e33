import { describe, expect, it } from 'vitest';
import { type BucketFacts, deployCommand, overlaps, planDeployment, shellWord } from '../../lib/deploy/plan';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:trail-deliveries';
const DELIVERY =
  'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/12/04/111122223333_CloudTrail_eu-west-1_20261204T0005Z_a1.json.gz';
const TRAIL = { name: 'main', bucket: 'trail-bucket', isOrganizationTrail: false };

/** A bucket cleartrail deploys onto as it is: every row below changes one fact of it. */
function facts(change: Partial<BucketFacts> = {}): BucketFacts {
  return {
    bucket: 'trail-bucket',
    region: 'eu-west-1',
    versioning: 'Off',
    encryption: { algorithm: 'AES256' },
    notifications: { entries: [], eventBridge: false },
    listing: { prefix: '', keys: [DELIVERY] },
    trails: [TRAIL],
    ...change,
  };
}
const parameter = (f: BucketFacts, name: string) => new Map(planDeployment(f).parameters).get(name);
const problemTexts = (f: BucketFacts) =>
  planDeployment(f).problems.map((p) => `${p.severity}: ${p.problem} -> ${p.fix}`);
const otherQueue = (prefix: string, suffix = '') => ({
  id: 'siem',
  destination: 'arn:aws:sqs:eu-west-1:111122223333:siem',
  events: ['s3:ObjectCreated:*'],
  prefix,
  suffix,
});

describe('planDeployment: the deploy parameters and problems of a trail bucket', () => {
  it('deploys a plain bucket with the s3 trigger, its region and the default prefix, with no problem', () => {
    const plan = planDeployment(facts());
    expect(plan.deployable).toBe(true);
    expect(plan.problems).toEqual([]);
    expect(deployCommand(plan)).toBe(
      'npx sls deploy --stage prod --param=logBucket=trail-bucket --param=region=eu-west-1 --param=logPrefix=AWSLogs/ --param=trigger=s3',
    );
  });

  it('region: the bucket region is the stack region; unreadable, it blocks', () => {
    expect(parameter(facts({ region: 'ap-southeast-2' }), 'region')).toBe('ap-southeast-2');
    const plan = planDeployment(facts({ region: { unread: 'NoSuchBucket' } }));
    expect(plan.deployable).toBe(false);
    expect(plan.problems[0]?.problem).toContain('NoSuchBucket');
    expect(plan.parameters.map(([name]) => name)).not.toContain('region');
  });

  it('versioning: enabled or suspended needs no parameter; unreadable is a warning only', () => {
    for (const versioning of ['Enabled', 'Suspended'] as const) {
      expect(planDeployment(facts({ versioning })).problems).toEqual([]);
    }
    const plan = planDeployment(facts({ versioning: { unread: 'AccessDenied' } }));
    expect(plan.deployable).toBe(true);
    expect(problemTexts(facts({ versioning: { unread: 'AccessDenied' } }))[0]).toMatch(
      /^warning: cannot read versioning/,
    );
  });

  it('encryption: SSE-KMS with a key ARN gives logKmsKeyArn; the AWS managed key and SSE-S3 need none', () => {
    expect(parameter(facts({ encryption: { algorithm: 'aws:kms', kmsKeyId: KEY } }), 'logKmsKeyArn')).toBe(KEY);
    expect(parameter(facts({ encryption: { algorithm: 'aws:kms' } }), 'logKmsKeyArn')).toBeUndefined();
    expect(parameter(facts({ encryption: 'none' }), 'logKmsKeyArn')).toBeUndefined();
    expect(parameter(facts(), 'logKmsKeyArn')).toBeUndefined();
  });

  it("encryption: the trail's KMSKeyId wins over the bucket default; a key alias or bare id blocks", () => {
    const trails = [{ ...TRAIL, kmsKeyId: KEY }];
    expect(parameter(facts({ trails, encryption: { algorithm: 'AES256' } }), 'logKmsKeyArn')).toBe(KEY);
    const alias = planDeployment(facts({ encryption: { algorithm: 'aws:kms', kmsKeyId: 'alias/trail' } }));
    expect(alias.deployable).toBe(false);
    expect(alias.problems[0]?.problem).toContain('alias/trail');
    expect(alias.problems[0]?.fix).toContain('logKmsKeyArn=');
  });

  it('encryption unreadable: a warning that says to add logKmsKeyArn if the trail uses SSE-KMS', () => {
    const texts = problemTexts(facts({ encryption: { unread: 'AccessDenied' } }));
    expect(texts).toEqual([expect.stringMatching(/^warning: cannot read the default encryption.*logKmsKeyArn/)]);
  });

  it('notifications: an overlapping ObjectCreated entry switches to eventbridge and names the entry', () => {
    const plan = planDeployment(facts({ notifications: { entries: [otherQueue('AWSLogs/')], eventBridge: false } }));
    expect(new Map(plan.parameters).get('trigger')).toBe('eventbridge');
    expect(plan.deployable).toBe(true);
    expect(plan.problems[0]?.problem).toContain('siem');
    expect(plan.problems[0]?.problem).toContain('arn:aws:sqs:eu-west-1:111122223333:siem');
  });

  it("notifications: with an overlap and the trail's SNS topic (EventBridge off), cloudtrail-sns on that topic", () => {
    const f = facts({
      notifications: { entries: [otherQueue('')], eventBridge: false },
      trails: [{ ...TRAIL, snsTopicArn: TOPIC }],
    });
    expect(parameter(f, 'trigger')).toBe('cloudtrail-sns');
    expect(parameter(f, 'cloudtrailTopicArn')).toBe(TOPIC);
  });

  it('notifications: EventBridge already on and an overlap: eventbridge even with a topic', () => {
    const f = facts({
      notifications: { entries: [otherQueue('')], eventBridge: true },
      trails: [{ ...TRAIL, snsTopicArn: TOPIC }],
    });
    expect(parameter(f, 'trigger')).toBe('eventbridge');
    expect(parameter(f, 'cloudtrailTopicArn')).toBeUndefined();
  });

  it('notifications: entries on other prefixes, other suffixes or other events leave the s3 trigger', () => {
    const entries = [
      otherQueue('images/'),
      otherQueue('AWSLogs/', '.csv'),
      { ...otherQueue('AWSLogs/'), events: ['s3:ObjectRemoved:*'] },
    ];
    expect(parameter(facts({ notifications: { entries, eventBridge: true } }), 'trigger')).toBe('s3');
  });

  it('notifications unreadable: a warning with trigger=eventbridge as the way round', () => {
    expect(problemTexts(facts({ notifications: { unread: 'AccessDenied' } }))).toEqual([
      expect.stringMatching(
        /^warning: cannot read the notification configuration \(AccessDenied\).*trigger=eventbridge/,
      ),
    ]);
  });

  it('overlaps: as S3 judges two entries (prefixes and suffixes that meet, ObjectCreated or s3:*)', () => {
    expect(overlaps(otherQueue('AWSLogs/111122223333/'), 'AWSLogs/', '.json.gz')).toBe(true);
    expect(overlaps(otherQueue('', '.gz'), 'AWSLogs/', '.json.gz')).toBe(true);
    expect(overlaps({ ...otherQueue(''), events: ['s3:*'] }, 'AWSLogs/', '.json.gz')).toBe(true);
    expect(overlaps(otherQueue('AWSLogs2/'), 'AWSLogs/', '.json.gz')).toBe(false);
  });

  it('listing: organisation and account folders are found, and logPrefix covers them', () => {
    const keys = [
      'AWSLogs/o-abcdefghij/444455556666/CloudTrail/us-east-1/2026/12/04/444455556666_CloudTrail_us-east-1_20261204T0005Z_a1.json.gz',
      'AWSLogs/o-abcdefghij/555566667777/CloudTrail/us-east-1/2026/12/04/555566667777_CloudTrail_us-east-1_20261204T0005Z_a1.json.gz',
    ];
    const plan = planDeployment(facts({ listing: { prefix: '', keys } }));
    expect(plan.organizations).toEqual(['o-abcdefghij']);
    expect(plan.accounts).toEqual(['444455556666', '555566667777']);
    expect(new Map(plan.parameters).get('logPrefix')).toBe('AWSLogs/o-abcdefghij/');
  });

  it('listing: an organisation folder before AWSLogs/ and a trail prefix are both kept in logPrefix', () => {
    const orgFirst = `o-abcdefghij/${DELIVERY}`;
    expect(parameter(facts({ listing: { prefix: '', keys: [orgFirst] } }), 'logPrefix')).toBe('o-abcdefghij/AWSLogs/');
    const trails = [{ ...TRAIL, keyPrefix: 'cloudtrail' }];
    const keys = [`cloudtrail/${DELIVERY}`];
    expect(parameter(facts({ trails, listing: { prefix: 'cloudtrail/', keys } }), 'logPrefix')).toBe(
      'cloudtrail/AWSLogs/',
    );
  });

  it('listing: an empty prefix or no CloudTrail delivery file (digests only) blocks', () => {
    expect(planDeployment(facts({ listing: { prefix: '', keys: [] } })).deployable).toBe(false);
    const digest = 'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/12/04/x.json.gz';
    const plan = planDeployment(facts({ listing: { prefix: '', keys: [digest, 'readme.txt'] } }));
    expect(plan.deployable).toBe(false);
    expect(plan.problems[0]?.problem).toContain('no CloudTrail delivery file');
  });

  it("listing unreadable: a warning, and the trail's prefix as the guess", () => {
    const plan = planDeployment(
      facts({ listing: { unread: 'AccessDenied' }, trails: [{ ...TRAIL, keyPrefix: 'ct/' }] }),
    );
    expect(plan.deployable).toBe(true);
    expect(new Map(plan.parameters).get('logPrefix')).toBe('ct/AWSLogs/');
    expect(plan.problems[0]?.problem).toMatch(/cannot list the bucket \(AccessDenied\)/);
  });

  it('trail: unreadable is a warning without --trail and a blocker with it', () => {
    const trails = { unread: 'connect ECONNREFUSED' };
    expect(planDeployment(facts({ trails })).deployable).toBe(true);
    expect(problemTexts(facts({ trails }))[0]).toMatch(/^warning: cannot read the trails \(connect ECONNREFUSED\)/);
    expect(planDeployment(facts({ trails, trailName: 'main' })).deployable).toBe(false);
  });

  it('trail: a named trail that is missing or writes elsewhere blocks; none or several writing here warn', () => {
    expect(problemTexts(facts({ trailName: 'gone' }))).toEqual([
      expect.stringMatching(/^blocker: no trail named gone/),
    ]);
    const elsewhere = facts({ trailName: 'main', trails: [{ ...TRAIL, bucket: 'other-bucket' }] });
    expect(problemTexts(elsewhere)).toEqual([
      expect.stringMatching(/^blocker: trail main writes to bucket other-bucket/),
    ]);
    expect(problemTexts(facts({ trails: [] }))).toEqual([expect.stringMatching(/^warning: no trail visible/)]);
    const several = facts({ trails: [TRAIL, { ...TRAIL, name: 'second' }] });
    expect(problemTexts(several)).toEqual([
      expect.stringMatching(/^warning: several trails write to this bucket: main, second/),
    ]);
    expect(
      planDeployment(
        facts({
          trailName: 'arn-tail',
          trails: [{ ...TRAIL, name: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/arn-tail' }],
        }),
      ).deployable,
    ).toBe(true);
  });

  it('shellWord: a value with shell characters is single-quoted so the command runs as printed', () => {
    expect(shellWord('logPrefix=AWSLogs/')).toBe('logPrefix=AWSLogs/');
    expect(shellWord("logPrefix=it's $HOME/")).toBe(`'logPrefix=it'\\''s $HOME/'`);
  });
});
