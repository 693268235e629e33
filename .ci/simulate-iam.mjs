#!/usr/bin/env node
// Proves the packaged template's IAM instead of reading it: every AWS call cleartrail's code makes
// is evaluated, as the role that makes it, with an IAM policy simulator
// (@cloud-copilot/iam-simulate), and must be Allowed on the resources it names; a list of calls
// the code never makes must be denied. check-template.mjs checks the shape of the statements; this
// checks what they grant.
//
// @cloud-copilot/iam-simulate is AGPL-3.0-or-later: a devDependency used here, in CI, only. It is
// never imported by lib/, bin/ or handlers/, so it is in neither the Lambda bundle nor the packed CLI.
//
//   node .ci/simulate-iam.mjs [--trigger s3|eventbridge|cloudtrail-sns] [--kms-key-arn ARN]
//     [--access-log-bucket B --access-log-prefix P] [--alerts off|email] [--alert-topic-arn ARN]
//     [--region R] [TEMPLATE]
//   node .ci/simulate-iam.mjs --self-check [same options]   prove that a weakened template fails
//
// The options are the parameters the template was packaged with (as for check-template.mjs); the
// trail bucket and prefix are read from the function's environment, as the code reads them.
// Exit code 1 with one line per failed expectation; 0 with the count of calls simulated.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { resolveConditions } from './template.mjs';

const ACCOUNT = '111122223333';
const PARTITION = 'aws';
const DEFAULT_TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

const { values: options, positionals } = parseArgs({
  options: {
    trigger: { type: 'string', default: 's3' },
    'kms-key-arn': { type: 'string', default: '' },
    'access-log-bucket': { type: 'string', default: '' },
    'access-log-prefix': { type: 'string', default: '' },
    alerts: { type: 'string', default: 'off' },
    'alert-topic-arn': { type: 'string', default: '' },
    region: { type: 'string', default: 'us-east-1' },
    'self-check': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
if (!['s3', 'eventbridge', 'cloudtrail-sns'].includes(options.trigger)) usage(`--trigger ${options.trigger}`);
if (!['off', 'email'].includes(options.alerts)) usage(`--alerts ${options.alerts}`);

function usage(what) {
  console.error(`simulate-iam: ${what} is not valid (see the header of .ci/simulate-iam.mjs)`);
  process.exit(2);
}

// --- The template, resolved to literal ARNs ------------------------------------------------------

/** Values for every intrinsic function osls leaves in the template: pseudo parameters and our resources. */
function resolver(template, region) {
  const resources = template.Resources ?? {};
  const pseudo = {
    'AWS::Partition': PARTITION,
    'AWS::Region': region,
    'AWS::AccountId': ACCOUNT,
    'AWS::StackName': 'cleartrail-dev',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resourceOf = (id) => {
    const resource = resources[id];
    if (!resource) throw new Error(`the template names a resource ${id} that it does not declare`);
    return resource;
  };
  const nameOf = (id, property) => {
    const name = resourceOf(id).Properties?.[property];
    return name === undefined ? id : resolve(name);
  };
  const ref = (id) => {
    if (id in pseudo) return pseudo[id];
    const { Type } = resourceOf(id);
    if (Type === 'AWS::SNS::Topic') return `arn:${PARTITION}:sns:${region}:${ACCOUNT}:${nameOf(id, 'TopicName')}`;
    if (Type === 'AWS::SQS::Queue') return `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${nameOf(id, 'QueueName')}`;
    if (Type === 'AWS::DynamoDB::Table') return nameOf(id, 'TableName');
    if (Type === 'AWS::Lambda::Function') return nameOf(id, 'FunctionName');
    if (Type === 'AWS::IAM::Role') return nameOf(id, 'RoleName');
    throw new Error(`no value for Ref ${id} (${Type})`);
  };
  const getAtt = (id, attribute) => {
    const { Type } = resourceOf(id);
    const arns = {
      'AWS::DynamoDB::Table': () => `arn:${PARTITION}:dynamodb:${region}:${ACCOUNT}:table/${nameOf(id, 'TableName')}`,
      'AWS::SQS::Queue': () => `arn:${PARTITION}:sqs:${region}:${ACCOUNT}:${nameOf(id, 'QueueName')}`,
      'AWS::Lambda::Function': () =>
        `arn:${PARTITION}:lambda:${region}:${ACCOUNT}:function:${nameOf(id, 'FunctionName')}`,
      'AWS::IAM::Role': () => `arn:${PARTITION}:iam::${ACCOUNT}:role/${nameOf(id, 'RoleName')}`,
      'AWS::SNS::Topic': () => ref(id),
      'AWS::Events::Rule': () => `arn:${PARTITION}:events:${region}:${ACCOUNT}:rule/${nameOf(id, 'Name')}`,
    };
    if ((attribute === 'Arn' || attribute === 'TopicArn') && arns[Type]) return arns[Type]();
    throw new Error(`no value for Fn::GetAtt ${id}.${attribute} (${Type})`);
  };
  const substitute = (text, variables = {}) =>
    text.replace(/\$\{(!?)([^}]+)\}/g, (_whole, literal, name) => {
      if (literal) return `\${${name}}`;
      if (name in variables) return resolve(variables[name]);
      const [id, attribute] = name.split('.');
      return attribute ? getAtt(id, attribute) : ref(id);
    });
  function resolve(value) {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    if ('Ref' in value) return ref(value.Ref);
    if ('Fn::GetAtt' in value) {
      const att = value['Fn::GetAtt'];
      const [id, attribute] = Array.isArray(att) ? att : att.split('.');
      return getAtt(id, attribute);
    }
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'];
      return resolve(parts).join(separator);
    }
    if ('Fn::Sub' in value) {
      const sub = value['Fn::Sub'];
      return Array.isArray(sub) ? substitute(sub[0], sub[1]) : substitute(sub);
    }
    if ('Fn::Select' in value) {
      const [index, items] = value['Fn::Select'];
      return resolve(items)[Number(index)];
    }
    if ('Fn::Split' in value) {
      const [separator, text] = value['Fn::Split'];
      return resolve(text).split(separator);
    }
    const fn = Object.keys(value).find((key) => key.startsWith('Fn::'));
    if (fn) throw new Error(`cannot resolve ${fn} in ${JSON.stringify(value)}`);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolve(inner)]));
  }
  return resolve;
}

/** The identity policies of each role: its inline policies and the AWS::IAM::Policy resources attached to it. */
function rolePolicies(template, resolve) {
  const resources = template.Resources ?? {};
  const roles = new Map();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    if (resource.Properties?.ManagedPolicyArns?.length)
      throw new Error(`role ${id} has managed policies, which this simulation cannot read`);
    roles.set(
      id,
      (resource.Properties?.Policies ?? []).map((policy, index) => ({
        name: `${id}/${typeof policy.PolicyName === 'string' ? policy.PolicyName : index}`,
        policy: resolve(policy.PolicyDocument),
      })),
    );
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    for (const role of resource.Properties?.Roles ?? []) {
      if (!role?.Ref || !roles.has(role.Ref)) throw new Error(`policy ${id} is attached to a role not in the template`);
      roles.get(role.Ref).push({ name: id, policy: resolve(resource.Properties.PolicyDocument) });
    }
  }
  return roles;
}

/** The account of an ARN; S3 ARNs name none. */
const accountOf = (arn) => arn.split(':')[4];

// --- What the code calls, and what it must not be able to ----------------------------------------

/**
 * The calls each function's code makes (allow) and a list it must not be able to make (deny), with
 * the resources and condition keys AWS evaluates them with. Found by reading the code: the S3,
 * DynamoDB, SNS and KMS calls of lib/s3/, lib/store/, lib/lambda/ and handlers/.
 */
function expectations(template, resolve, settings) {
  const resources = template.Resources ?? {};
  const { region } = settings;
  const expected = [];
  const functionRole = (functionId) => {
    const role = resources[functionId]?.Properties?.Role;
    const roleId = role?.['Fn::GetAtt']?.[0];
    if (!roleId) throw new Error(`${functionId} has no role of the template`);
    return roleId;
  };
  const functionIdOf = (serviceToken) => serviceToken?.['Fn::GetAtt']?.[0];
  const call = (effect, functionId, action, resource, why, context = {}, resourcePolicy = undefined) =>
    expected.push({
      effect,
      functionId,
      roleId: functionRole(functionId),
      action,
      resource,
      why,
      context,
      resourcePolicy,
    });
  const allow = (...args) => call('Allowed', ...args);
  const deny = (...args) => call('ImplicitlyDenied', ...args);

  const processLog = 'ProcessLogLambdaFunction';
  const variables = resources[processLog]?.Properties?.Environment?.Variables ?? {};
  const bucket = variables.CLEARTRAIL_LOG_BUCKET;
  const prefix = variables.CLEARTRAIL_LOG_PREFIX ?? '';
  if (!bucket) throw new Error(`${processLog} has no CLEARTRAIL_LOG_BUCKET`);
  const s3Object = (b, key) => `arn:${PARTITION}:s3:::${b}/${key}`;
  const trailKey = `${prefix}${ACCOUNT}/CloudTrail/${region}/2026/12/04/${ACCOUNT}_CloudTrail_${region}_20261204T0005Z_a1b2.json.gz`;
  const tableId = Object.keys(resources).find((id) => resources[id].Type === 'AWS::DynamoDB::Table');
  const table = resolve({ 'Fn::GetAtt': [tableId, 'Arn'] });
  const otherTable = `arn:${PARTITION}:dynamodb:${region}:${ACCOUNT}:table/another-table`;
  const queueArn = resolve(resources.ProcessLogEventSourceMappingSQSLogObjectsQueue?.Properties?.EventSourceArn);
  const leadingKeys = (key) => ({ 'dynamodb:LeadingKeys': [key] });

  // lib/s3/log-objects.ts openLogObject: GetObject, with VersionId when the event carries one.
  allow(processLog, 's3:GetObject', s3Object(bucket, trailKey), 'GetObject of a trail key');
  allow(processLog, 's3:GetObjectVersion', s3Object(bucket, trailKey), 'GetObject with VersionId (versioned bucket)');
  if (settings.accessLogBucket) {
    const accessKey = `${settings.accessLogPrefix}2026-12-04-00-05-00-A1B2C3D4E5F6A7B8`;
    allow(processLog, 's3:GetObject', s3Object(settings.accessLogBucket, accessKey), 'GetObject of an access log');
    allow(
      processLog,
      's3:GetObjectVersion',
      s3Object(settings.accessLogBucket, accessKey),
      'GetObject with VersionId of an access log',
    );
  }
  deny(processLog, 's3:GetObject', s3Object('another-bucket', trailKey), 'another bucket');
  if (prefix)
    deny(processLog, 's3:GetObject', s3Object(bucket, 'outside/the-prefix.json.gz'), 'outside the log prefix');
  deny(processLog, 's3:PutObject', s3Object(bucket, trailKey), 'writing to the trail bucket');
  deny(processLog, 's3:DeleteObject', s3Object(bucket, trailKey), 'deleting a trail file');
  deny(processLog, 's3:ListBucket', `arn:${PARTITION}:s3:::${bucket}`, 'listing (the function is told its keys)');

  // SSE-KMS: S3 decrypts with the caller's rights, so the key is used through S3 only.
  const viaS3 = { 'kms:ViaService': `s3.${region}.amazonaws.com` };
  const keyPolicy = (keyArn) => ({
    // The default key policy (the key's account delegates to IAM), plus, for a key in another
    // account, the grant to the stack's account that the README asks the key's owner for.
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: [...new Set([accountOf(keyArn), ACCOUNT])].map((a) => `arn:${PARTITION}:iam::${a}:root`) },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
  const otherKey = `arn:${PARTITION}:kms:${region}:${ACCOUNT}:key/00000000-0000-4000-8000-000000000000`;
  if (settings.kmsKeyArn) {
    const key = settings.kmsKeyArn;
    allow(processLog, 'kms:Decrypt', key, 'SSE-KMS trail files, through S3', viaS3, keyPolicy(key));
    deny(processLog, 'kms:Decrypt', key, 'the key called directly, not through S3', {}, keyPolicy(key));
    const viaSqs = { 'kms:ViaService': `sqs.${region}.amazonaws.com` };
    deny(processLog, 'kms:Decrypt', key, 'the key through another service (SQS)', viaSqs, keyPolicy(key));
  }
  deny(processLog, 'kms:Decrypt', otherKey, 'another key, even through S3', viaS3, keyPolicy(otherKey));

  // lib/store/: transactions are authorised item by item as PutItem, UpdateItem and DeleteItem.
  for (const action of ['GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchGetItem', 'BatchWriteItem']) {
    allow(processLog, `dynamodb:${action}`, table, 'the aggregates table', leadingKeys('BUCKET#example-bucket'));
    deny(processLog, `dynamodb:${action}`, otherTable, 'another table', leadingKeys('BUCKET#example-bucket'));
  }
  // The open-batches index is read by recoverBatches (lib/store/ledger.ts recover), not by processLog.
  for (const index of [
    ...(resources[tableId].Properties?.GlobalSecondaryIndexes ?? []),
    ...(resources[tableId].Properties?.LocalSecondaryIndexes ?? []),
  ]) {
    deny(processLog, 'dynamodb:Query', `${table}/index/${index.IndexName}`, `index ${index.IndexName} (recovery's)`);
  }
  // lib/store/new-clients.ts markSent: the one delete, of a sent alert in the NEWCLIENTS partition.
  allow(processLog, 'dynamodb:DeleteItem', table, 'a sent alert (NEWCLIENTS)', leadingKeys('NEWCLIENTS'));
  for (const partition of ['BUCKET#example-bucket', 'FAILURES', 'LOG#some-log', 'RANGES']) {
    deny(
      processLog,
      'dynamodb:DeleteItem',
      table,
      `outside the alert partition (${partition})`,
      leadingKeys(partition),
    );
  }
  deny(processLog, 'dynamodb:DeleteItem', otherTable, 'another table', leadingKeys('NEWCLIENTS'));
  deny(processLog, 'dynamodb:Scan', table, 'a scan (the code only queries)');
  deny(processLog, 'dynamodb:DeleteTable', table, 'dropping the table');

  // The event source mapping reads the queue with the function's role; nothing sends to it.
  for (const action of ['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes']) {
    allow(processLog, `sqs:${action}`, queueArn, 'the log-objects queue');
  }
  deny(processLog, 'sqs:SendMessage', queueArn, 'sending to the queue');

  // lib/lambda/alert-topic.ts: sns:Publish on the alert topic, when alerts are on.
  const otherTopic = `arn:${PARTITION}:sns:${region}:${ACCOUNT}:another-topic`;
  const alertTopic =
    settings.alertTopicArn ||
    (settings.alerts === 'email' && resources.AlertTopic ? resolve({ Ref: 'AlertTopic' }) : '');
  if (settings.alerts === 'email' && !alertTopic) throw new Error('--alerts email but the template has no AlertTopic');
  if (alertTopic) allow(processLog, 'sns:Publish', alertTopic, 'new-client alerts');
  deny(processLog, 'sns:Publish', otherTopic, 'another topic');

  // Each function writes its own logs.
  for (const functionId of Object.keys(resources).filter((id) => resources[id].Type === 'AWS::Lambda::Function')) {
    const group = `arn:${PARTITION}:logs:${region}:${ACCOUNT}:log-group:/aws/lambda/${resolve(resources[functionId].Properties.FunctionName)}`;
    allow(functionId, 'logs:CreateLogStream', `${group}:*`, 'its own log group');
    allow(
      functionId,
      'logs:PutLogEvents',
      `${group}:log-stream:2026/12/04/[$LATEST]0123456789abcdef`,
      'its own log stream',
    );
  }

  // lib/lambda/ranges-refresh.ts through lib/store/ranges.ts: the RANGES items, nothing of the logs.
  const refresh = 'RefreshRangesLambdaFunction';
  for (const action of ['GetItem', 'PutItem']) {
    allow(refresh, `dynamodb:${action}`, table, 'the RANGES items', leadingKeys('RANGES'));
  }
  deny(refresh, 's3:GetObject', s3Object(bucket, trailKey), 'the trail files');
  deny(refresh, 'dynamodb:DeleteItem', table, 'deleting', leadingKeys('RANGES'));
  deny(refresh, 'dynamodb:UpdateItem', table, 'the counters', leadingKeys('BUCKET#example-bucket'));

  // lib/lambda/recover-batches via lib/store/ledger.ts recover: the index, the headers, the writes.
  const recovery = 'RecoverBatchesLambdaFunction';
  allow(recovery, 'dynamodb:Query', `${table}/index/open-batches`, 'the open-batches index');
  for (const action of ['Query', 'BatchGetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem']) {
    allow(recovery, `dynamodb:${action}`, table, 'completing a batch', leadingKeys('BATCH#b1'));
  }
  deny(recovery, 'dynamodb:DeleteItem', table, 'deleting', leadingKeys('BATCH#b1'));
  deny(recovery, 'dynamodb:Scan', table, 'a scan');
  deny(recovery, 'dynamodb:UpdateItem', otherTable, 'another table', leadingKeys('BATCH#b1'));
  deny(recovery, 's3:GetObject', s3Object(bucket, trailKey), 'the trail files');

  // handlers/bucket-notification.ts: each Custom::LogObjectsNotification runs its preflight
  // (lib/lambda/bucket-facts.ts: GetBucketLocation, one key under the prefix, and when there is
  // none the top-level folders), then reads and writes its bucket's notification configuration.
  const notifications = Object.entries(resources).filter(([, r]) => r.Type === 'Custom::LogObjectsNotification');
  const onTrailBucket = notifications.filter(([, r]) => resolve(r.Properties.Bucket) === bucket);
  if (settings.trigger !== 'cloudtrail-sns' && onTrailBucket.length !== 1)
    throw new Error(
      `trigger ${settings.trigger}: ${onTrailBucket.length} Custom::LogObjectsNotification on ${bucket}, expected 1`,
    );
  if (settings.trigger === 'cloudtrail-sns' && onTrailBucket.length !== 0 && bucket !== settings.accessLogBucket)
    throw new Error(`trigger cloudtrail-sns: a Custom::LogObjectsNotification on ${bucket}, expected none`);
  const notificationFunction = 'LogObjectsNotificationLambdaFunction';
  if (settings.trigger === 'cloudtrail-sns' && bucket !== settings.accessLogBucket) {
    // Nothing of the trail bucket is changed, read or listed.
    const trailBucketArn = `arn:${PARTITION}:s3:::${bucket}`;
    for (const action of [
      's3:GetBucketNotification',
      's3:PutBucketNotification',
      's3:GetBucketLocation',
      's3:ListBucket',
    ])
      deny(notificationFunction, action, trailBucketArn, 'cloudtrail-sns leaves the trail bucket alone', {
        's3:prefix': prefix,
      });
  }
  for (const [id, notification] of notifications) {
    const functionId = functionIdOf(notification.Properties.ServiceToken);
    const target = resolve(notification.Properties.Bucket);
    const bucketArn = `arn:${PARTITION}:s3:::${target}`;
    const targetPrefix = resolve(notification.Properties.Prefix ?? '');
    const listing = (context) => ({ 's3:max-keys': '1', ...context });
    allow(functionId, 's3:GetBucketLocation', bucketArn, `${id}: preflight, the bucket's region`);
    allow(
      functionId,
      's3:ListBucket',
      bucketArn,
      `${id}: preflight, one key under the prefix`,
      targetPrefix ? listing({ 's3:prefix': targetPrefix }) : listing({}),
    );
    allow(functionId, 's3:ListBucket', bucketArn, `${id}: preflight, the top-level folders`, {
      's3:delimiter': '/',
    });
    if (targetPrefix) {
      deny(functionId, 's3:ListBucket', bucketArn, `${id}: listing the whole bucket`, {});
      deny(functionId, 's3:ListBucket', bucketArn, `${id}: listing another prefix`, { 's3:prefix': 'private/' });
      deny(functionId, 's3:ListBucket', bucketArn, `${id}: listing another prefix by folders`, {
        's3:prefix': 'private/',
        's3:delimiter': '/',
      });
    }
    allow(functionId, 's3:GetBucketNotification', bucketArn, `${id}: read the configuration`);
    // s3: its queue entry; eventbridge: the EventBridge flag; the same right either way.
    allow(functionId, 's3:PutBucketNotification', bucketArn, `${id}: write the configuration`);
    deny(functionId, 's3:PutBucketNotification', `arn:${PARTITION}:s3:::another-bucket`, 'another bucket');
    deny(functionId, 's3:GetBucketLocation', `arn:${PARTITION}:s3:::another-bucket`, 'another bucket');
    deny(functionId, 's3:ListBucket', `arn:${PARTITION}:s3:::another-bucket`, 'another bucket', {
      's3:delimiter': '/',
    });
    deny(functionId, 's3:GetObject', s3Object(target, trailKey), 'the log files');
    deny(functionId, 's3:PutBucketPolicy', bucketArn, "the bucket's policy");
    // The rule of trigger=eventbridge is CloudFormation's: the function makes no EventBridge call.
    const ruleArn = `arn:${PARTITION}:events:${region}:${ACCOUNT}:rule/cleartrail-dev-log-objects`;
    for (const action of ['events:PutRule', 'events:PutTargets'])
      deny(functionId, action, ruleArn, 'the EventBridge rule (CloudFormation makes it)');
  }
  return expected;
}

// --- Simulation ----------------------------------------------------------------------------------

/** The failed expectations of one template (raw, as packaged): one line each. */
export async function simulate(rawTemplate, settings) {
  const template = resolveConditions(rawTemplate);
  const resolve = resolver(template, settings.region);
  const roles = rolePolicies(template, resolve);
  const failures = [];
  const expected = expectations(template, resolve, settings);
  for (const { effect, functionId, roleId, action, resource, why, context, resourcePolicy } of expected) {
    const result = await runSimulation(
      {
        request: {
          principal: `arn:${PARTITION}:iam::${ACCOUNT}:role/${roleId}`,
          action,
          resource: { resource, accountId: accountOf(resource) || ACCOUNT },
          contextVariables: context,
        },
        identityPolicies: roles.get(roleId) ?? [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
      },
      {},
    );
    const answer = result.resultType === 'error' ? `error: ${result.errors.message}` : result.overallResult;
    // Explicitly denied is as good as implicitly denied for the calls that must fail.
    const met =
      effect === 'Allowed' ? answer === 'Allowed' : answer === 'ImplicitlyDenied' || answer === 'ExplicitlyDenied';
    const where = Object.keys(context).length ? ` with ${JSON.stringify(context)}` : '';
    if (!met)
      failures.push({
        action,
        line: `${functionId} (${roleId}): ${action} on ${resource}${where} is ${answer}, expected ${effect === 'Allowed' ? 'Allowed' : 'denied'} (${why})`,
      });
  }
  return { failures, simulated: expected.length };
}

/** Removes an action from every statement of the template (the self-check's broken copies). */
function withoutAction(raw, action) {
  return mapStatements(raw, (statement) => {
    const actions = [statement.Action].flat().filter((a) => a !== action);
    return actions.length ? { ...statement, Action: actions } : undefined;
  });
}
function withAddedAction(raw, beside, action) {
  return mapStatements(raw, (statement) =>
    [statement.Action].flat().includes(beside)
      ? { ...statement, Action: [...[statement.Action].flat(), action] }
      : statement,
  );
}
function mapStatements(raw, change) {
  // On the template as deployed: a statement under Fn::If is a statement only once resolved.
  const copy = resolveConditions(raw);
  for (const resource of Object.values(copy.Resources ?? {})) delete resource.Condition;
  const documents = Object.values(copy.Resources ?? {}).flatMap((r) => [
    ...(r.Properties?.Policies ?? []).map((p) => p.PolicyDocument),
    ...(r.Type === 'AWS::IAM::Policy' ? [r.Properties.PolicyDocument] : []),
  ]);
  for (const document of documents) {
    document.Statement = [document.Statement].flat().map(change).filter(Boolean);
  }
  return copy;
}

const templatePath = positionals[0] ?? DEFAULT_TEMPLATE;
const settings = {
  trigger: options.trigger,
  kmsKeyArn: options['kms-key-arn'],
  accessLogBucket: options['access-log-bucket'],
  accessLogPrefix: options['access-log-prefix'],
  alerts: options.alerts,
  alertTopicArn: options['alert-topic-arn'],
  region: options.region,
};
let raw;
try {
  raw = JSON.parse(readFileSync(templatePath, 'utf8'));
} catch (error) {
  console.error(`simulate-iam: cannot read ${templatePath} (run \`npx sls package\` first): ${error.message}`);
  process.exit(1);
}

try {
  if (options['self-check']) {
    const cases = [
      {
        what: 'without s3:GetObjectVersion',
        template: withoutAction(raw, 's3:GetObjectVersion'),
        action: 's3:GetObjectVersion',
      },
      {
        what: 's3:PutObject beside s3:GetObject',
        template: withAddedAction(raw, 's3:GetObject', 's3:PutObject'),
        action: 's3:PutObject',
      },
      {
        what: 'without s3:GetBucketLocation (the preflight)',
        template: withoutAction(raw, 's3:GetBucketLocation'),
        action: 's3:GetBucketLocation',
      },
      {
        what: 's3:ListBucket without its s3:prefix condition',
        template: mapStatements(raw, (statement) => {
          if (![statement.Action].flat().includes('s3:ListBucket')) return statement;
          const { Condition: _condition, ...unconditioned } = statement;
          return unconditioned;
        }),
        action: 's3:ListBucket',
      },
    ];
    for (const { what, template, action } of cases) {
      const { failures } = await simulate(template, settings);
      if (!failures.some((failure) => failure.action === action)) {
        console.error(`simulate-iam self-check: the template ${what} passed the simulation`);
        process.exit(1);
      }
      console.log(
        `simulate-iam self-check: the template ${what} fails: ${failures.find((f) => f.action === action).line}`,
      );
    }
  } else {
    const { failures, simulated } = await simulate(raw, settings);
    if (failures.length) {
      console.error(
        `simulate-iam: ${failures.length} of ${simulated} calls of ${templatePath} are not as the code needs:`,
      );
      for (const { line } of failures) console.error(`  ${line}`);
      process.exit(1);
    }
    console.log(`simulate-iam: ${templatePath}: all ${simulated} calls simulated as expected (allowed or denied)`);
  }
} catch (error) {
  console.error(`simulate-iam: ${templatePath}: ${error.message}`);
  process.exit(1);
}
