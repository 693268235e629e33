/**
 * `cleartrail doctor`'s decision: the facts read about a trail bucket (and the trail that writes
 * to it) in, the deploy parameters that fit and each problem with its fix out. Pure: the facts are
 * read by `facts.ts`, so every row of the decision is a plain unit test.
 */

import { entriesOverlap, type NotificationEntry } from '../core/notification-overlap';

export type { NotificationEntry };

/** How the stack learns of new log files (serverless.yml's `trigger` parameter). */
export type Trigger = 's3' | 'eventbridge' | 'cloudtrail-sns';

/** A fact that could not be read: why (the error's name and message, or "not served"). */
export type Unread = { unread: string };
export const isUnread = (fact: unknown): fact is Unread =>
  typeof fact === 'object' && fact !== null && 'unread' in fact;

export interface BucketFacts {
  bucket: string;
  /** The bucket's region (GetBucketLocation; an empty constraint is us-east-1). */
  region: string | Unread;
  versioning: 'Enabled' | 'Suspended' | 'Off' | Unread;
  /** Default encryption: the algorithm and, for SSE-KMS, the key as configured (ARN, id or alias). */
  encryption: { algorithm: string; kmsKeyId?: string } | 'none' | Unread;
  notifications: { entries: NotificationEntry[]; eventBridge: boolean } | Unread;
  /** One page of keys under the listing prefix. */
  listing: { prefix: string; keys: string[] } | Unread;
  /** The trails that write to the bucket (DescribeTrails), or why they could not be read. */
  trails: TrailFacts[] | Unread;
  /** The trail asked for with `--trail`, if any. */
  trailName?: string;
}

export interface TrailFacts {
  name: string;
  bucket: string;
  /** The trail's S3KeyPrefix, without the slash CloudTrail adds. */
  keyPrefix?: string;
  kmsKeyId?: string;
  snsTopicArn?: string;
  isOrganizationTrail: boolean;
}

export interface Problem {
  /** A blocker makes the bucket not deployable as it stands; a warning leaves it deployable. */
  severity: 'blocker' | 'warning';
  problem: string;
  fix: string;
}

export interface DeployPlan {
  deployable: boolean;
  /** The parameters of `sls deploy`, in the order the command gives them. */
  parameters: Array<[name: string, value: string]>;
  /** The organisation (`o-...`) and account folders the listing found. */
  organizations: string[];
  accounts: string[];
  /** The trail the plan rests on, when one was found. */
  trail?: TrailFacts;
  problems: Problem[];
}

const DEFAULT_PREFIX = 'AWSLogs/';
const LOG_SUFFIX = '.json.gz';
/** `[anything/]AWSLogs/[o-org/]ACCOUNT/CloudTrail/`: where CloudTrail writes its delivery files. */
const TRAIL_KEY = /^(.*?)(\d{12})\/CloudTrail\//;
const ORGANIZATION = /^o-[a-z0-9]{10,32}$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Whether an S3 notification entry would overlap cleartrail's ObjectCreated entry (S3 refuses the pair). */
export function overlaps(entry: NotificationEntry, prefix: string, suffix: string): boolean {
  return entriesOverlap(entry, { id: 'cleartrail', destination: '', events: ['s3:ObjectCreated:*'], prefix, suffix });
}

/** The longest common prefix of some strings, cut back to a `/`. */
function commonFolder(values: string[]): string {
  if (values.length === 0) return '';
  let common = values[0] as string;
  for (const value of values) while (!value.startsWith(common)) common = common.slice(0, -1);
  return common.slice(0, common.lastIndexOf('/') + 1);
}

/** The single-quoted shell word of a value, so the printed command runs as shown. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The `sls deploy` command of a plan. */
export function deployCommand(plan: DeployPlan, stage = 'prod'): string {
  const parameters = plan.parameters.map(([name, value]) => `--param=${shellWord(`${name}=${value}`)}`);
  return ['npx sls deploy --stage', stage, ...parameters].join(' ');
}

/** The trail the plan rests on: the one named, else the only one writing to the bucket. */
function chooseTrail(facts: BucketFacts, problems: Problem[]): TrailFacts | undefined {
  const { trails } = facts;
  if (isUnread(trails)) {
    problems.push({
      severity: facts.trailName ? 'blocker' : 'warning',
      problem: `cannot read the trails (${trails.unread}): the trail's prefix, KMS key and SNS topic are unknown`,
      fix: 'run with credentials allowed cloudtrail:DescribeTrails in the bucket region, or check the trail in the console',
    });
    return undefined;
  }
  if (facts.trailName) {
    const named = trails.find((trail) => trail.name === facts.trailName || trail.name.endsWith(`/${facts.trailName}`));
    if (!named) {
      problems.push({
        severity: 'blocker',
        problem: `no trail named ${facts.trailName}`,
        fix: 'give --trail the name of the trail that delivers to this bucket (aws cloudtrail describe-trails)',
      });
      return undefined;
    }
    if (named.bucket !== facts.bucket) {
      problems.push({
        severity: 'blocker',
        problem: `trail ${named.name} writes to bucket ${named.bucket}, not ${facts.bucket}`,
        fix: `run cleartrail doctor --bucket ${named.bucket}, or name the trail that writes to ${facts.bucket}`,
      });
      return undefined;
    }
    return named;
  }
  const writing = trails.filter((trail) => trail.bucket === facts.bucket);
  if (writing.length === 0) {
    problems.push({
      severity: 'warning',
      problem: 'no trail visible to these credentials writes to this bucket',
      fix: "an organisation trail or another account's trail may; otherwise create one that logs S3 data events here",
    });
    return undefined;
  }
  if (writing.length > 1) {
    problems.push({
      severity: 'warning',
      problem: `several trails write to this bucket: ${writing.map((trail) => trail.name).join(', ')}`,
      fix: 'pass --trail NAME for the one that logs S3 data events',
    });
    return undefined;
  }
  return writing[0];
}

/** The deploy parameters that fit the facts, and each problem with its fix. */
export function planDeployment(facts: BucketFacts): DeployPlan {
  const problems: Problem[] = [];
  const blocker = (problem: string, fix: string) => problems.push({ severity: 'blocker', problem, fix });
  const warning = (problem: string, fix: string) => problems.push({ severity: 'warning', problem, fix });
  const parameters: Array<[string, string]> = [['logBucket', facts.bucket]];

  if (isUnread(facts.region)) {
    blocker(
      `cannot read the bucket's region (${facts.region.unread})`,
      'check the bucket name, and run with credentials of its account allowed s3:GetBucketLocation',
    );
  } else parameters.push(['region', facts.region]);

  const trail = chooseTrail(facts, problems);

  // Where the files are: the listing's CloudTrail keys, else what the trail says.
  let organizations: string[] = [];
  let accounts: string[] = [];
  let logPrefix = trail?.keyPrefix ? `${trail.keyPrefix.replace(/\/+$/, '')}/${DEFAULT_PREFIX}` : DEFAULT_PREFIX;
  const { listing } = facts;
  if (isUnread(listing)) {
    warning(
      `cannot list the bucket (${listing.unread}): the log prefix is a guess (${logPrefix})`,
      'run with credentials allowed s3:ListBucket on the bucket',
    );
  } else {
    const matches = listing.keys.flatMap((key) => {
      const match = TRAIL_KEY.exec(key);
      return match && key.endsWith(LOG_SUFFIX) ? [{ before: match[1] as string, account: match[2] as string }] : [];
    });
    organizations = [
      ...new Set(matches.flatMap(({ before }) => before.split('/').filter((part) => ORGANIZATION.test(part)))),
    ].sort();
    accounts = [...new Set(matches.map(({ account }) => account))].sort();
    if (listing.keys.length === 0) {
      blocker(
        `no object under ${listing.prefix || 'the bucket root'}`,
        'check that the trail delivers to this bucket (and its prefix), then run doctor again',
      );
    } else if (matches.length === 0) {
      blocker(
        `no CloudTrail delivery file (…/AWSLogs/…/ACCOUNT/CloudTrail/…${LOG_SUFFIX}) in the first ${listing.keys.length} objects under ${listing.prefix || 'the bucket root'}`,
        'pass --trail NAME so doctor lists under its prefix, or check where the trail writes',
      );
    } else {
      const found = commonFolder(matches.map(({ before }) => before));
      // The notification filters on the prefix: it must cover every folder found.
      logPrefix = found;
      if (!found) {
        warning(
          'CloudTrail files lie under several top-level folders',
          'logPrefix is empty: the notification matches every .json.gz of the bucket',
        );
      }
    }
  }
  parameters.push(['logPrefix', logPrefix]);

  // The trigger: the bucket notification unless an existing entry overlaps it.
  let trigger: Trigger = 's3';
  const { notifications } = facts;
  if (isUnread(notifications)) {
    warning(
      `cannot read the notification configuration (${notifications.unread}): overlaps are unknown`,
      'run with credentials allowed s3:GetBucketNotification, or deploy with trigger=eventbridge',
    );
  } else {
    const overlapping = notifications.entries.filter((entry) => overlaps(entry, logPrefix, LOG_SUFFIX));
    if (overlapping.length > 0) {
      trigger = notifications.eventBridge || !trail?.snsTopicArn ? 'eventbridge' : 'cloudtrail-sns';
      for (const entry of overlapping) {
        warning(
          `notification entry ${entry.id} (to ${entry.destination}) overlaps ObjectCreated under ${logPrefix}: S3 refuses a second one`,
          `trigger=${trigger} (chosen here), which leaves that entry alone`,
        );
      }
    }
  }
  parameters.push(['trigger', trigger]);
  if (trigger === 'cloudtrail-sns' && trail?.snsTopicArn) parameters.push(['cloudtrailTopicArn', trail.snsTopicArn]);

  // The key the files are encrypted with: the trail's KMSKeyId, else the bucket's default key.
  const { encryption } = facts;
  let key = trail?.kmsKeyId;
  if (!key && isUnread(encryption)) {
    warning(
      `cannot read the default encryption (${encryption.unread})`,
      'if the trail uses SSE-KMS, add logKmsKeyArn=<the key ARN>',
    );
  } else if (!key && encryption !== 'none' && !isUnread(encryption) && encryption.algorithm.startsWith('aws:kms')) {
    key = encryption.kmsKeyId;
  }
  if (key) {
    if (KEY_ARN.test(key)) parameters.push(['logKmsKeyArn', key]);
    else
      blocker(
        `the files are encrypted with KMS key ${key}, which is not a key ARN`,
        'add logKmsKeyArn=arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (aws kms describe-key --key-id gives it)',
      );
  }

  if (isUnread(facts.versioning)) {
    warning(
      `cannot read versioning (${facts.versioning.unread})`,
      'nothing to set: the stack reads versioned and unversioned files alike',
    );
  }

  return {
    deployable: !problems.some((p) => p.severity === 'blocker'),
    parameters,
    organizations,
    accounts,
    ...(trail ? { trail } : {}),
    problems,
  };
}
