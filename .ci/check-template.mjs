#!/usr/bin/env node
// Checks the CloudFormation template that `sls package` wrote against what cleartrail promises:
// least-privilege IAM (no wildcard actions; a `*` in a resource only where it is the log prefix
// or a function's own log group), a table with on-demand billing, PITR, encryption and
// retention, and the function fed in batches by a queue that the trail bucket notifies through
// cleartrail's custom resource, with a dead-letter queue behind it. Conditions are resolved
// first, as CloudFormation would: with the access-log parameters empty, nothing of them may be
// in the stack; with `--access-log-bucket B [--access-log-prefix P]` (the values the template was
// packaged with), their trigger, queue policy and least-privilege read must be.
//
// The recovery of abandoned batches: recoverBatches on a 15-minute schedule, with a role that has
// read and update rights on the table and its open-batches index only, the sparse index itself,
// and the BatchesUnrecoverable alarm.
//
// With `--alerts email` it also expects what `--param="alertEmail=..."` adds: the new-client
// topic, its email subscription, the NewHttpClients alarm on it, and sns:Publish on that topic
// only; with `--alerts off` (the default), that none of them would be deployed.
//
// With `--log-kms-key-arn ARN` (the value of `logKmsKeyArn`), kms:Decrypt on that key alone,
// through S3 in the stack's region; without it, no KMS right anywhere.
//
// With `--trigger s3|eventbridge|cloudtrail-sns` (the `trigger` parameter; `--cloudtrail-topic-arn`
// with cloudtrail-sns), the resources that trigger needs and none of the others': the custom
// resource's bucket entry (s3), EventBridge delivery and a rule into the queue (eventbridge), the
// queue's raw subscription to the trail's topic (cloudtrail-sns); the queue policy allowing
// exactly those senders, each from its own source. Always: the custom resources' ServiceTimeout,
// the table's RetainExceptOnCreate, the dead-letter and oldest-message alarms, and the
// AmazonIpSpaceChanged subscription (`--ip-space-changed off`: none).
//
//   node .ci/check-template.mjs [--access-log-bucket B --access-log-prefix P] [--alerts off|email]
//     [--log-kms-key-arn ARN] [--trigger T [--cloudtrail-topic-arn ARN]] [--ip-space-changed on|off]
//     [TEMPLATE]
//
// Exit code 1 with one line per problem; 0 with a summary of the IAM statements as generated.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { literal, resolveConditions } from './template.mjs';

const { values: options, positionals } = parseArgs({
  options: {
    'access-log-bucket': { type: 'string' },
    'access-log-prefix': { type: 'string', default: '' },
    alerts: { type: 'string', default: 'off' },
    'log-kms-key-arn': { type: 'string', default: '' },
    trigger: { type: 'string', default: 's3' },
    'cloudtrail-topic-arn': { type: 'string', default: '' },
    'ip-space-changed': { type: 'string', default: 'on' },
  },
  allowPositionals: true,
});
const trigger = options.trigger;
if (!['s3', 'eventbridge', 'cloudtrail-sns'].includes(trigger)) {
  console.error(`check-template: --trigger ${trigger} is not one of s3, eventbridge, cloudtrail-sns`);
  process.exit(2);
}
const cloudtrailTopicArn = options['cloudtrail-topic-arn'];
if ((trigger === 'cloudtrail-sns') !== Boolean(cloudtrailTopicArn)) {
  console.error('check-template: --cloudtrail-topic-arn goes with --trigger cloudtrail-sns, and only with it');
  process.exit(2);
}
if (!['on', 'off'].includes(options['ip-space-changed'])) {
  console.error(`check-template: --ip-space-changed ${options['ip-space-changed']} is not one of on, off`);
  process.exit(2);
}
const expectedAlerts = options.alerts;
if (!['off', 'email'].includes(expectedAlerts)) {
  console.error(`check-template: --alerts ${expectedAlerts} is not one of off, email`);
  process.exit(2);
}
const templatePath = positionals[0] ?? '.serverless/cloudformation-template-update-stack.json';
let template;
let rawTemplate;
try {
  rawTemplate = JSON.parse(readFileSync(templatePath, 'utf8'));
  template = resolveConditions(rawTemplate);
} catch (error) {
  console.error(`check-template: cannot read ${templatePath} (run \`npx sls package\` first): ${error.message}`);
  process.exit(1);
}

const resources = template.Resources ?? {};

const conditions = rawTemplate.Conditions ?? {};
/** Evaluates a condition as CloudFormation would; osls has made every parameter a literal by now. */
function holds(condition) {
  if (typeof condition === 'string') return holds(conditions[condition]);
  if (condition === undefined || condition === null) return false;
  if ('Condition' in condition) return holds(conditions[condition.Condition]);
  if ('Fn::Not' in condition) return !holds(condition['Fn::Not'][0]);
  if ('Fn::And' in condition) return condition['Fn::And'].every(holds);
  if ('Fn::Or' in condition) return condition['Fn::Or'].some(holds);
  if ('Fn::Equals' in condition) {
    const [a, b] = condition['Fn::Equals'].map((side) => literal(side));
    return JSON.stringify(a) === JSON.stringify(b);
  }
  throw new Error(`check-template: cannot evaluate condition ${JSON.stringify(condition)}`);
}
const problems = [];
const problem = (message) => problems.push(message);

// Logical ids of the resources we declare in serverless.yml, and of the ones osls generates.
const FUNCTION = 'ProcessLogLambdaFunction';
const FUNCTION_ROLE = 'IamRoleLambdaExecution';
const TABLE = 'AggregatesTable';
const QUEUE = 'LogObjectsQueue';
const DEAD_LETTER_QUEUE = 'LogObjectsDeadLetterQueue';
const QUEUE_POLICY = 'LogObjectsQueuePolicy';
const NOTIFICATION = 'LogObjectsNotification';
const NOTIFICATION_FUNCTION = 'LogObjectsNotificationLambdaFunction';
const NOTIFICATION_ROLE = 'LogObjectsNotificationRole';
const ACCESS_LOG_NOTIFICATION = 'AccessLogObjectsNotification';
const accessLogBucket = options['access-log-bucket'];
const accessLogPrefix = options['access-log-prefix'];
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** s3:GetObject on the access-log objects: exactly `<bucket>/<prefix>*`. */
const ACCESS_LOG_OBJECTS = accessLogBucket
  ? new RegExp(
      `^arn:\\$\\{AWS::Partition\\}:s3:::${escapeRegExp(accessLogBucket)}/${escapeRegExp(accessLogPrefix)}\\*$`,
    )
  : undefined;
const ALERT_TOPIC = 'AlertTopic';
const ALERT_SUBSCRIPTION = 'AlertEmailSubscription';
const ALERT_POLICY = 'AlertPublishPolicy';
const ALERT_ALARM = 'NewHttpClientsAlarm';
const ALERT_TOPIC_VARIABLE = 'CLEARTRAIL_ALERT_TOPIC_ARN';
/** The batching the event source mapping must have (serverless.yml says why these numbers). */
const BATCH = { size: 20, windowSeconds: 60, maximumConcurrency: 2 };

/** Renders intrinsic functions to a readable string; pseudo parameters become placeholders. */
function render(value) {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(render).join(',');
  if (value && typeof value === 'object') {
    if ('Ref' in value) return `\${${value.Ref}}`;
    if ('Fn::GetAtt' in value) {
      const att = value['Fn::GetAtt'];
      return `\${${Array.isArray(att) ? att.join('.') : att}}`;
    }
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'];
      return parts.map(render).join(separator);
    }
    if ('Fn::Sub' in value) return render(Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub']);
    if ('Fn::If' in value) {
      const [condition, whenTrue, whenFalse] = value['Fn::If'];
      return render(holds(condition) ? whenTrue : whenFalse);
    }
  }
  return JSON.stringify(value);
}

const list = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

// --- IAM ------------------------------------------------------------------------------------
const service = template.Resources?.[FUNCTION]?.Properties?.FunctionName?.replace(/-processLog$/, '') ?? 'cleartrail';
const allowedResourceWildcards = [
  ...(ACCESS_LOG_OBJECTS ? [{ why: 'objects under the access-log prefix', pattern: ACCESS_LOG_OBJECTS }] : []),
  // s3:GetObject on the objects under the log prefix (a non-empty prefix ending in "/").
  { why: 'objects under the log prefix', pattern: /^arn:\$\{AWS::Partition\}:s3:::[a-z0-9.-]+\/[^*]+\/\*$/ },
  // The log streams of the functions with their own role (refresh, custom resource).
  {
    why: "a function's own log group",
    pattern:
      /^arn:\$\{AWS::Partition\}:logs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:log-group:\/aws\/lambda\/[a-z0-9-]+-(refreshRanges|logObjectsNotification|recoverBatches):\*$/,
  },
  // osls's own statement for the function's log group ("<service>-<stage>*" covers its log groups only).
  {
    why: "the function's own log group (generated by osls)",
    pattern: new RegExp(
      `^arn:\\$\\{AWS::Partition\\}:logs:\\$\\{AWS::Region\\}:\\$\\{AWS::AccountId\\}:log-group:/aws/lambda/${service}\\*:\\*(:\\*)?$`,
    ),
  },
];

function statementsOf(logicalId) {
  const properties = resources[logicalId]?.Properties ?? {};
  const policies = [...list(properties.Policies), ...(properties.PolicyDocument ? [properties] : [])];
  return policies.flatMap((policy) => list(policy.PolicyDocument?.Statement));
}

const ourIamResources = Object.entries(resources)
  .filter(([, r]) => /^AWS::IAM::(Role|Policy|ManagedPolicy)$/.test(r.Type))
  .map(([id]) => id);
if (!ourIamResources.includes(FUNCTION_ROLE)) problem(`IAM: the function role ${FUNCTION_ROLE} is missing`);

const summary = [];
for (const id of ourIamResources) {
  for (const statement of statementsOf(id)) {
    const actions = list(statement.Action ?? statement.NotAction).map(render);
    const targets = list(statement.Resource ?? statement.NotResource).map(render);
    summary.push(`  ${id}: ${statement.Effect} ${actions.join(', ')} on ${targets.join(', ')}`);
    if (statement.NotAction || statement.NotResource) problem(`IAM ${id}: NotAction/NotResource is not allowed`);
    for (const action of actions) {
      if (action.includes('*')) problem(`IAM ${id}: wildcard action "${action}"`);
    }
    for (const target of targets) {
      if (!target.includes('*')) continue;
      if (!allowedResourceWildcards.some(({ pattern }) => pattern.test(target))) {
        problem(`IAM ${id}: wildcard resource "${target}" for ${actions.join(', ')}`);
      }
    }
  }
}

const functionStatements = statementsOf(FUNCTION_ROLE).map((s) => ({
  actions: list(s.Action).map(render),
  resources: list(s.Resource).map(render),
}));
function requireGrant(action, resourcePattern, description) {
  const found = functionStatements.some(
    (s) => s.actions.includes(action) && s.resources.length > 0 && s.resources.every((r) => resourcePattern.test(r)),
  );
  if (!found) problem(`IAM ${FUNCTION_ROLE}: no ${action} limited to ${description}`);
}
const TRAIL_OBJECTS = /^arn:\$\{AWS::Partition\}:s3:::[a-z0-9.-]+\/[^*]+\/\*$/;
const getObjectTargets = functionStatements
  .filter((s) => s.actions.includes('s3:GetObject'))
  .flatMap((s) => s.resources);
if (!getObjectTargets.some((target) => TRAIL_OBJECTS.test(target)))
  problem(`IAM ${FUNCTION_ROLE}: no s3:GetObject limited to the log prefix`);
for (const target of getObjectTargets) {
  if (!TRAIL_OBJECTS.test(target) && !ACCESS_LOG_OBJECTS?.test(target))
    problem(`IAM ${FUNCTION_ROLE}: s3:GetObject on ${target}, outside the log prefixes`);
}
if (ACCESS_LOG_OBJECTS && !getObjectTargets.some((target) => ACCESS_LOG_OBJECTS.test(target)))
  problem(`IAM ${FUNCTION_ROLE}: no s3:GetObject on ${accessLogBucket}/${accessLogPrefix}*`);
// A versioned bucket's events name a version: GetObject with a VersionId is s3:GetObjectVersion,
// needed on exactly the objects GetObject may read.
const getObjectVersionTargets = functionStatements
  .filter((s) => s.actions.includes('s3:GetObjectVersion'))
  .flatMap((s) => s.resources);
if (JSON.stringify([...getObjectVersionTargets].sort()) !== JSON.stringify([...getObjectTargets].sort()))
  problem(
    `IAM ${FUNCTION_ROLE}: s3:GetObjectVersion is on ${getObjectVersionTargets.join(', ') || 'nothing'}, expected the s3:GetObject resources ${getObjectTargets.join(', ')}`,
  );

// kms:Decrypt: on the trail's key alone, only through S3 in this region, exactly when a key is given.
const LOG_KMS_POLICY = 'LogKmsDecryptPolicy';
const logKmsKeyArn = options['log-kms-key-arn'];
const kmsGrants = ourIamResources.flatMap((id) =>
  statementsOf(id)
    .filter((statement) => list(statement.Action).some((action) => render(action).startsWith('kms:')))
    .map((statement) => ({ id, statement })),
);
if (!logKmsKeyArn) {
  if (kmsGrants.length > 0)
    problem(`IAM: no logKmsKeyArn, yet ${kmsGrants.map(({ id }) => id).join(', ')} grants KMS actions`);
} else {
  const policy = resources[LOG_KMS_POLICY];
  if (!list(policy?.Properties?.Roles).some((role) => render(role) === `\${${FUNCTION_ROLE}}`))
    problem(`IAM: ${LOG_KMS_POLICY} is missing or not attached to ${FUNCTION_ROLE}`);
  const exact = kmsGrants.filter(
    ({ id, statement }) =>
      id === LOG_KMS_POLICY &&
      statement.Effect === 'Allow' &&
      JSON.stringify(list(statement.Action).map(render)) === JSON.stringify(['kms:Decrypt']) &&
      JSON.stringify(list(statement.Resource).map(render)) === JSON.stringify([logKmsKeyArn]) &&
      JSON.stringify(Object.keys(statement.Condition ?? {})) === JSON.stringify(['StringEquals']) &&
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub text, not a JavaScript template
      render(statement.Condition.StringEquals['kms:ViaService']) === 's3.${AWS::Region}.${AWS::URLSuffix}',
  );
  if (exact.length !== 1 || kmsGrants.length !== 1)
    problem(
      `IAM: KMS rights are ${JSON.stringify(kmsGrants.map(({ id, statement }) => ({ id, statement })))}, expected kms:Decrypt on ${logKmsKeyArn} with kms:ViaService s3.\${AWS::Region}.\${AWS::URLSuffix} only`,
    );
}
for (const action of ['GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchWriteItem', 'BatchGetItem']) {
  requireGrant(`dynamodb:${action}`, new RegExp(`^\\$\\{${TABLE}\\.Arn\\}$`), `the ${TABLE} ARN`);
}
for (const action of ['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes']) {
  requireGrant(`sqs:${action}`, new RegExp(`^\\$\\{${QUEUE}\\.Arn\\}$`), `the ${QUEUE} ARN`);
}
// DeleteItem only with a condition that limits it to the new-client alert items.
for (const statement of statementsOf(FUNCTION_ROLE)) {
  if (!list(statement.Action).map(render).includes('dynamodb:DeleteItem')) continue;
  const leadingKeys = statement.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];
  if (list(statement.Action).length !== 1 || JSON.stringify(list(leadingKeys)) !== JSON.stringify(['NEWCLIENTS']))
    problem(`IAM ${FUNCTION_ROLE}: dynamodb:DeleteItem is not limited to the NEWCLIENTS partition`);
}
// Nothing sends to a queue any more (no on-failure destination): SQS moves failed messages itself.
for (const s of functionStatements) {
  if (s.actions.includes('sqs:SendMessage')) problem(`IAM ${FUNCTION_ROLE}: sqs:SendMessage is not needed`);
}

// The custom resource's role: its own log streams; the notification rights and the preflight's
// GetBucketLocation on the buckets it configures (the bucket ARNs, no object paths, no wildcard);
// and s3:ListBucket on those buckets limited to the prefix, or to the top-level folder names
// (delimiter "/", no prefix). With cloudtrail-sns it may not touch the trail bucket at all.
const notificationStatements = statementsOf(NOTIFICATION_ROLE).map((s) => ({
  actions: list(s.Action).map(render),
  resources: list(s.Resource).map(render),
  condition: s.Condition,
}));
const BUCKET_ARN = /^arn:\$\{AWS::Partition\}:s3:::[a-z0-9.-]+$/;
const bucketArn = (name) => `arn:\${AWS::Partition}:s3:::${name}`;
const trailBucketName = resources[FUNCTION]?.Properties?.Environment?.Variables?.CLEARTRAIL_LOG_BUCKET;
const logPrefixValue = resources[FUNCTION]?.Properties?.Environment?.Variables?.CLEARTRAIL_LOG_PREFIX ?? '';
const prefixOf = (target) =>
  target === bucketArn(trailBucketName)
    ? logPrefixValue
    : target === bucketArn(accessLogBucket)
      ? accessLogPrefix
      : undefined;
if (notificationStatements.length === 0) problem(`IAM: the custom resource role ${NOTIFICATION_ROLE} is missing`);
const CONFIGURATION_ACTIONS = ['s3:GetBucketLocation', 's3:GetBucketNotification', 's3:PutBucketNotification'];
for (const { actions, resources: targets, condition } of notificationStatements) {
  const logs = actions.every((a) => a === 'logs:CreateLogStream' || a === 'logs:PutLogEvents');
  const configuration = JSON.stringify([...actions].sort()) === JSON.stringify(CONFIGURATION_ACTIONS);
  const listing = actions.length === 1 && actions[0] === 's3:ListBucket';
  if (!logs && !configuration && !listing)
    problem(`IAM ${NOTIFICATION_ROLE}: unexpected actions ${actions.join(', ')}`);
  if ((configuration || listing) && !targets.every((t) => BUCKET_ARN.test(t))) {
    problem(`IAM ${NOTIFICATION_ROLE}: ${actions.join(', ')} on ${targets.join(', ')}, expected bucket ARNs only`);
  }
  if (listing) {
    const topLevel =
      JSON.stringify(condition) ===
      JSON.stringify({ StringEquals: { 's3:delimiter': '/' }, StringEqualsIfExists: { 's3:prefix': '' } });
    const underPrefix =
      targets.length === 1 &&
      (prefixOf(targets[0]) === ''
        ? condition === undefined
        : JSON.stringify(condition) === JSON.stringify({ StringEquals: { 's3:prefix': prefixOf(targets[0]) } }));
    if (!topLevel && !underPrefix)
      problem(
        `IAM ${NOTIFICATION_ROLE}: s3:ListBucket on ${targets.join(', ')} with ${JSON.stringify(condition)}, expected s3:prefix = the bucket's prefix, or the top-level folders only`,
      );
  }
}
const configuredBuckets = [
  ...(trigger === 'cloudtrail-sns' ? [] : [trailBucketName]),
  ...(accessLogBucket ? [accessLogBucket] : []),
];
const granted = (action) =>
  notificationStatements.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources);
for (const action of [...CONFIGURATION_ACTIONS, 's3:ListBucket']) {
  const targets = new Set(granted(action));
  for (const name of configuredBuckets)
    if (!targets.has(bucketArn(name))) problem(`IAM ${NOTIFICATION_ROLE}: no ${action} on the bucket ${name}`);
  for (const target of targets)
    if (!configuredBuckets.some((name) => bucketArn(name) === target))
      problem(`IAM ${NOTIFICATION_ROLE}: ${action} on ${target}, which trigger ${trigger} does not configure`);
}

// --- Function, trigger, destination -----------------------------------------------------------
const fn = resources[FUNCTION];
if (fn?.Type !== 'AWS::Lambda::Function') {
  problem(`function: ${FUNCTION} (AWS::Lambda::Function) is missing`);
} else {
  const p = fn.Properties;
  if (p.Handler !== 'handlers/process-log.handler') problem(`function: handler is ${p.Handler}`);
  if (p.Runtime !== 'nodejs22.x') problem(`function: runtime is ${p.Runtime}, expected nodejs22.x`);
  if (!list(p.Architectures).includes('arm64')) problem('function: architecture is not arm64');
  const variables = p.Environment?.Variables ?? {};
  for (const name of [
    'CLEARTRAIL_TABLE',
    'CLEARTRAIL_LOG_BUCKET',
    'CLEARTRAIL_LOG_PREFIX',
    'POWERTOOLS_SERVICE_NAME',
  ]) {
    if (!(name in variables)) problem(`function: environment variable ${name} is missing`);
  }
  for (const [name, value] of Object.entries(variables)) {
    // `sls invoke local` resolves the environment too; an intrinsic there would call CloudFormation.
    // The alert topic is the exception: serverless.yml's `environment` holds it as a plain string,
    // and only the deployed template swaps in the created topic, with Fn::If (checked below).
    const rawValue = rawTemplate.Resources?.[FUNCTION]?.Properties?.Environment?.Variables?.[name];
    if (name === ALERT_TOPIC_VARIABLE && isTopicChoice(rawValue)) continue;
    if (typeof value !== 'string')
      problem(`function: environment ${name} is not a plain string: ${JSON.stringify(value)}`);
  }
}

if (fn) {
  const timeout = fn.Properties.Timeout;
  const visibility = resources[QUEUE]?.Properties?.VisibilityTimeout;
  if (!(timeout > 0)) problem('function: Timeout is not set');
  // AWS: a queue feeding an event source mapping needs at least 6x the function's timeout.
  else if (!(visibility >= 6 * timeout)) {
    problem(`queue: VisibilityTimeout ${visibility} is under 6 x the function timeout ${timeout}`);
  }
}

const mappings = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping');
const mapping = mappings.find(([, r]) => render(r.Properties?.FunctionName) === `\${${FUNCTION}.Arn}`);
if (!mapping) {
  problem(`trigger: no event source mapping feeds ${FUNCTION}`);
} else {
  const [id, { Properties: p }] = mapping;
  if (render(p.EventSourceArn) !== `\${${QUEUE}.Arn}`) problem(`trigger ${id}: source is ${render(p.EventSourceArn)}`);
  if (!list(p.FunctionResponseTypes).includes('ReportBatchItemFailures'))
    problem(`trigger ${id}: FunctionResponseTypes lacks ReportBatchItemFailures`);
  if (p.BatchSize !== BATCH.size) problem(`trigger ${id}: BatchSize is ${p.BatchSize}, expected ${BATCH.size}`);
  if (p.MaximumBatchingWindowInSeconds !== BATCH.windowSeconds)
    problem(
      `trigger ${id}: MaximumBatchingWindowInSeconds is ${p.MaximumBatchingWindowInSeconds}, expected ${BATCH.windowSeconds}`,
    );
  if (p.ScalingConfig?.MaximumConcurrency !== BATCH.maximumConcurrency)
    problem(
      `trigger ${id}: ScalingConfig.MaximumConcurrency is ${p.ScalingConfig?.MaximumConcurrency}, expected ${BATCH.maximumConcurrency}`,
    );
  if (p.Enabled === false) problem(`trigger ${id}: disabled`);
}
// The direct S3 trigger and its asynchronous retries are gone; Batch Operations invokes directly.
for (const [id, r] of Object.entries(resources)) {
  if (r.Type === 'Custom::S3') problem(`trigger: ${id} still wires the bucket to the function directly`);
  if (r.Type === 'AWS::Lambda::EventInvokeConfig') problem(`trigger: ${id} configures asynchronous invocations`);
}

/** A custom resource's ServiceTimeout: longer than its function's timeout, far below the hour. */
function checkServiceTimeout(id, resource) {
  const timeout = Number(resource.Properties?.ServiceTimeout);
  const functionTimeout = resources[NOTIFICATION_FUNCTION]?.Properties?.Timeout;
  if (!(timeout > functionTimeout && timeout <= 300))
    problem(
      `${id}: ServiceTimeout is ${resource.Properties?.ServiceTimeout}, expected more than the function's ${functionTimeout} s and at most 300 s`,
    );
}

const RULE = 'LogObjectsRule';
const TOPIC_SUBSCRIPTION = 'LogObjectsTopicSubscription';
// The resources of each trigger, and none of the others' (an entry of each would count each file twice).
const triggerResources = {
  s3: [NOTIFICATION],
  eventbridge: [NOTIFICATION, RULE],
  'cloudtrail-sns': [TOPIC_SUBSCRIPTION],
};
for (const id of new Set(Object.values(triggerResources).flat())) {
  const wanted = triggerResources[trigger].includes(id);
  if (wanted && !resources[id]) problem(`trigger ${trigger}: ${id} is missing`);
  if (!wanted && resources[id]) problem(`trigger ${trigger}: ${id} must not be deployed`);
}
const notification = resources[NOTIFICATION];
if (notification && notification.Type !== 'Custom::LogObjectsNotification') {
  problem(`notification: ${NOTIFICATION} is not a Custom::LogObjectsNotification`);
} else if (notification) {
  const p = notification.Properties;
  if (render(p.ServiceToken) !== `\${${NOTIFICATION_FUNCTION}.Arn}`)
    problem(`notification: ServiceToken is ${render(p.ServiceToken)}`);
  if (render(p.QueueArn) !== `\${${QUEUE}.Arn}`) problem(`notification: QueueArn is ${render(p.QueueArn)}`);
  if (!p.Bucket || !p.Prefix) problem('notification: Bucket or Prefix is empty');
  if (p.Suffix !== '.json.gz') problem(`notification: Suffix is ${JSON.stringify(p.Suffix)}, expected ".json.gz"`);
  if (p.Trigger !== trigger) problem(`notification: Trigger is ${JSON.stringify(p.Trigger)}, expected ${trigger}`);
  if (p.PrefixParameter !== 'logPrefix')
    problem(`notification: PrefixParameter is ${JSON.stringify(p.PrefixParameter)}`);
  // The Id is what marks cleartrail's entry among the user's: it must be unique to the stack.
  if (!render(p.Id).includes(`\${AWS::StackName}`)) problem(`notification: Id ${render(p.Id)} does not name the stack`);
  // S3 tests the destination when the configuration is put: the queue policy must exist first.
  if (!list(notification.DependsOn).includes(QUEUE_POLICY)) problem(`notification: does not depend on ${QUEUE_POLICY}`);
  checkServiceTimeout(NOTIFICATION, notification);
}
// eventbridge: Object Created of the trail bucket's log files, into the queue.
const rule = resources[RULE];
if (rule) {
  const p = rule.Properties ?? {};
  const pattern = p.EventPattern ?? {};
  const variables = resources[FUNCTION]?.Properties?.Environment?.Variables ?? {};
  const expected = {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [variables.CLEARTRAIL_LOG_BUCKET] },
      object: { key: [{ wildcard: `${variables.CLEARTRAIL_LOG_PREFIX}*.json.gz` }] },
    },
  };
  if (JSON.stringify(pattern) !== JSON.stringify(expected))
    problem(`eventbridge: ${RULE} pattern is ${JSON.stringify(pattern)}, expected ${JSON.stringify(expected)}`);
  if (p.State !== 'ENABLED') problem(`eventbridge: ${RULE} is ${p.State}`);
  if (p.EventBusName !== undefined) problem(`eventbridge: ${RULE} must be on the default bus, where S3 delivers`);
  const targets = list(p.Targets).map((target) => render(target.Arn));
  if (targets.join() !== `\${${QUEUE}.Arn}`)
    problem(`eventbridge: ${RULE} targets ${targets.join(', ')}, expected ${QUEUE}`);
}
// cloudtrail-sns: the queue subscribed to the trail's topic, raw.
const topicSubscription = resources[TOPIC_SUBSCRIPTION];
if (topicSubscription) {
  const p = topicSubscription.Properties ?? {};
  if (p.Protocol !== 'sqs' || render(p.Endpoint) !== `\${${QUEUE}.Arn}`)
    problem(
      `cloudtrail-sns: ${TOPIC_SUBSCRIPTION} is ${p.Protocol} to ${render(p.Endpoint)}, expected sqs to ${QUEUE}`,
    );
  if (p.TopicArn !== cloudtrailTopicArn)
    problem(`cloudtrail-sns: subscribed to ${p.TopicArn}, expected ${cloudtrailTopicArn}`);
  if (p.RawMessageDelivery !== true) problem('cloudtrail-sns: RawMessageDelivery is not true');
  const region = literal(p.Region);
  if (region !== cloudtrailTopicArn.split(':')[3])
    problem(`cloudtrail-sns: Region is ${JSON.stringify(region)}, not the topic's`);
}
// The access-log trigger: present exactly when the template was packaged with an access-log bucket.
const accessLogNotification = resources[ACCESS_LOG_NOTIFICATION];
if (!accessLogBucket) {
  if (accessLogNotification)
    problem(`access logs: ${ACCESS_LOG_NOTIFICATION} exists though no access-log bucket is set`);
  if (JSON.stringify(template).includes('access-log-objects'))
    problem('access logs: something of the access-log trigger is left without an access-log bucket');
} else if (accessLogNotification?.Type !== 'Custom::LogObjectsNotification') {
  problem(`access logs: ${ACCESS_LOG_NOTIFICATION} (Custom::LogObjectsNotification) is missing`);
} else {
  const p = accessLogNotification.Properties;
  if (render(p.ServiceToken) !== `\${${NOTIFICATION_FUNCTION}.Arn}`)
    problem(`access logs: ServiceToken is ${render(p.ServiceToken)}`);
  if (render(p.QueueArn) !== `\${${QUEUE}.Arn}`) problem(`access logs: QueueArn is ${render(p.QueueArn)}`);
  if (p.Bucket !== accessLogBucket) problem(`access logs: Bucket is ${p.Bucket}, expected ${accessLogBucket}`);
  if (p.Prefix !== accessLogPrefix) problem(`access logs: Prefix is ${p.Prefix}, expected ${accessLogPrefix}`);
  if (p.Suffix !== '') problem(`access logs: Suffix is ${JSON.stringify(p.Suffix)}; access-log objects have none`);
  if (!render(p.Id).includes(`\${AWS::StackName}`) || render(p.Id) === render(notification?.Properties?.Id))
    problem(`access logs: Id ${render(p.Id)} must name the stack and differ from the trail entry's`);
  if (!list(accessLogNotification.DependsOn).includes(QUEUE_POLICY))
    problem(`access logs: does not depend on ${QUEUE_POLICY}`);
  if (p.Trigger !== 's3' || p.PrefixParameter !== 'accessLogPrefix')
    problem(
      `access logs: Trigger ${p.Trigger} and PrefixParameter ${p.PrefixParameter}, expected s3 and accessLogPrefix`,
    );
  // Serialised after the trail bucket's resource when there is one: both read-modify-write.
  const waitsFor = p.WaitsFor === undefined ? 'nothing' : render(p.WaitsFor);
  const expectedWait = notification ? `\${${NOTIFICATION}}` : 'nothing';
  if (waitsFor !== expectedWait) problem(`access logs: waits for ${waitsFor}, expected ${expectedWait}`);
  checkServiceTimeout(ACCESS_LOG_NOTIFICATION, accessLogNotification);
  const variables = resources[FUNCTION]?.Properties?.Environment?.Variables ?? {};
  if (
    variables.CLEARTRAIL_ACCESS_LOG_BUCKET !== accessLogBucket ||
    variables.CLEARTRAIL_ACCESS_LOG_PREFIX !== accessLogPrefix
  )
    problem('access logs: the function is not told the access-log bucket and prefix');
  const rights = notificationStatements.filter((s) => s.actions.includes('s3:PutBucketNotification'));
  if (!rights.some((s) => s.resources.includes(`arn:\${AWS::Partition}:s3:::${accessLogBucket}`)))
    problem(`access logs: ${NOTIFICATION_ROLE} cannot put the notification of ${accessLogBucket}`);
}

const notificationFunction = resources[NOTIFICATION_FUNCTION];
if (render(notificationFunction?.Properties?.Role) !== `\${${NOTIFICATION_ROLE}.Arn}`) {
  problem(`notification: ${NOTIFICATION_FUNCTION} does not run as ${NOTIFICATION_ROLE}`);
}

// --- Table and queue --------------------------------------------------------------------------
const table = resources[TABLE];
if (table?.Type !== 'AWS::DynamoDB::Table') {
  problem(`table: ${TABLE} (AWS::DynamoDB::Table) is missing`);
} else {
  const p = table.Properties;
  if (p.BillingMode !== 'PAY_PER_REQUEST') problem(`table: BillingMode is ${p.BillingMode}, expected PAY_PER_REQUEST`);
  if (p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled !== true)
    problem('table: point-in-time recovery is off');
  if (p.SSESpecification?.SSEEnabled !== true) problem('table: SSESpecification.SSEEnabled is not true');
  // Kept on stack deletion and replacement, deleted by the rollback of the create that made it (so
  // a retried first deploy can create it again). Deletion protection would make that rollback
  // fail: DynamoDB refuses to delete a protected table.
  if (table.DeletionPolicy !== 'RetainExceptOnCreate' || table.UpdateReplacePolicy !== 'Retain') {
    problem(
      `table: DeletionPolicy ${table.DeletionPolicy} and UpdateReplacePolicy ${table.UpdateReplacePolicy}, expected RetainExceptOnCreate and Retain`,
    );
  }
  if (p.DeletionProtectionEnabled === true)
    problem('table: deletion protection on would make the rollback of a failed first deploy fail');
  const keys = Object.fromEntries(list(p.KeySchema).map((k) => [k.KeyType, k.AttributeName]));
  if (keys.HASH !== 'pk' || keys.RANGE !== 'sk')
    problem(`table: key schema is ${JSON.stringify(keys)}, expected pk/sk`);
  if (p.TimeToLiveSpecification?.AttributeName !== 'expiresAt' || p.TimeToLiveSpecification?.Enabled !== true) {
    problem('table: TTL on expiresAt is not enabled');
  }
}

function checkQueue(id, retentionDays) {
  const queue = resources[id];
  if (queue?.Type !== 'AWS::SQS::Queue') {
    problem(`queue: ${id} (AWS::SQS::Queue) is missing`);
    return undefined;
  }
  const p = queue.Properties ?? {};
  if (p.SqsManagedSseEnabled !== true && !p.KmsMasterKeyId) problem(`queue ${id}: not encrypted`);
  if (
    retentionDays &&
    !(p.MessageRetentionPeriod >= retentionDays[0] * 86400 && p.MessageRetentionPeriod <= retentionDays[1] * 86400)
  ) {
    problem(
      `queue ${id}: retention ${p.MessageRetentionPeriod} s is not ${retentionDays[0]} to ${retentionDays[1]} days`,
    );
  }
  return p;
}
const queueProperties = checkQueue(QUEUE, [2, 7]);
const deadLetterProperties = checkQueue(DEAD_LETTER_QUEUE, [14, 14]);
if (queueProperties) {
  const redrive = queueProperties.RedrivePolicy;
  if (!redrive) problem(`queue ${QUEUE}: no RedrivePolicy`);
  else {
    if (render(redrive.deadLetterTargetArn) !== `\${${DEAD_LETTER_QUEUE}.Arn}`)
      problem(`queue ${QUEUE}: redrive goes to ${render(redrive.deadLetterTargetArn)}, expected ${DEAD_LETTER_QUEUE}`);
    const receives = Number(redrive.maxReceiveCount);
    if (!(receives >= 2 && receives <= 10))
      problem(`queue ${QUEUE}: maxReceiveCount ${redrive.maxReceiveCount} is not 2 to 10`);
  }
  // Messages must outlive the dead-letter queue's clock: SQS keeps a message's original enqueue time.
  if (deadLetterProperties && !(deadLetterProperties.MessageRetentionPeriod > queueProperties.MessageRetentionPeriod)) {
    problem(`queue ${DEAD_LETTER_QUEUE}: retention must exceed ${QUEUE}'s`);
  }
}

// Who may send to the queue: S3 for the buckets with an entry (the trail bucket with trigger s3, the
// access-log bucket), the rule (eventbridge), the trail's topic (cloudtrail-sns); each only from
// its own source, and nobody else.
const policy = resources[QUEUE_POLICY];
if (policy?.Type !== 'AWS::SQS::QueuePolicy') {
  problem(`queue policy: ${QUEUE_POLICY} (AWS::SQS::QueuePolicy) is missing`);
} else {
  const p = policy.Properties;
  if (!list(p.Queues).some((q) => render(q) === `\${${QUEUE}}`)) problem(`queue policy: does not apply to ${QUEUE}`);
  const statements = list(p.PolicyDocument?.Statement);
  const s3Sources = [...(trigger === 's3' ? [trailBucketName] : []), ...(accessLogBucket ? [accessLogBucket] : [])].map(
    bucketArn,
  );
  const expectedSenders = {
    ...(s3Sources.length ? { 's3.amazonaws.com': s3Sources } : {}),
    ...(trigger === 'eventbridge' ? { 'events.amazonaws.com': [`\${${RULE}.Arn}`] } : {}),
    ...(trigger === 'cloudtrail-sns' ? { 'sns.amazonaws.com': [cloudtrailTopicArn] } : {}),
  };
  const senders = {};
  for (const statement of statements) {
    const principal = render(statement.Principal?.Service);
    if (statement.Effect !== 'Allow' || statement.Principal?.AWS || !principal.endsWith('.amazonaws.com')) {
      problem(`queue policy: statement ${JSON.stringify(statement)} is not an Allow for one AWS service`);
      continue;
    }
    const actions = list(statement.Action).map(render);
    if (actions.length !== 1 || actions[0] !== 'sqs:SendMessage')
      problem(`queue policy: ${principal} may ${actions.join(', ')}, expected sqs:SendMessage`);
    if (render(statement.Resource) !== `\${${QUEUE}.Arn}`)
      problem(`queue policy: resource is ${render(statement.Resource)}`);
    const condition = statement.Condition ?? {};
    senders[principal] = [...(senders[principal] ?? []), ...list(condition.ArnEquals?.['aws:SourceArn']).map(render)];
    // S3 names no account in a bucket ARN: the bucket must also be in the stack's account.
    if (
      principal === 's3.amazonaws.com' &&
      render(condition.StringEquals?.['aws:SourceAccount']) !== `\${AWS::AccountId}`
    )
      problem('queue policy: aws:SourceAccount of S3 is not the stack account');
  }
  const canonical = (senders) =>
    JSON.stringify(
      Object.entries(senders)
        .map(([k, v]) => [k, [...v].sort()])
        .sort(),
    );
  if (canonical(senders) !== canonical(expectedSenders))
    problem(
      `queue policy: senders are ${canonical(senders)}, expected ${canonical(expectedSenders)} (trigger ${trigger})`,
    );
}

// --- Alarms on the queues ---------------------------------------------------------------------
{
  const alarms = {
    DeadLetterQueueAlarm: { queue: DEAD_LETTER_QUEUE, metric: 'ApproximateNumberOfMessagesVisible', threshold: [0, 0] },
    OldestLogObjectAlarm: { queue: QUEUE, metric: 'ApproximateAgeOfOldestMessage', threshold: [600, 6 * 3600] },
  };
  const expectedActions = expectedAlerts === 'email' ? [`\${${ALERT_TOPIC}}`] : [];
  for (const [id, { queue, metric, threshold }] of Object.entries(alarms)) {
    const alarm = resources[id];
    if (alarm?.Type !== 'AWS::CloudWatch::Alarm') {
      problem(`alarms: ${id} (AWS::CloudWatch::Alarm) is missing`);
      continue;
    }
    const p = alarm.Properties;
    const dimensions = list(p.Dimensions).map((d) => `${d.Name}=${render(d.Value)}`);
    if (
      p.Namespace !== 'AWS/SQS' ||
      p.MetricName !== metric ||
      p.Statistic !== 'Maximum' ||
      p.ComparisonOperator !== 'GreaterThanThreshold' ||
      !(p.Threshold >= threshold[0] && p.Threshold <= threshold[1]) ||
      dimensions.join() !== `QueueName=\${${queue}.QueueName}`
    )
      problem(`alarms: ${id} does not watch the Maximum of ${metric} of ${queue} above ${threshold.join(' to ')}`);
    const actions = list(p.AlarmActions).map(render);
    if (actions.join() !== expectedActions.join())
      problem(
        `alarms: ${id} notifies ${actions.join(', ') || 'nobody'}, expected ${expectedActions.join() || 'nobody'}`,
      );
  }
}

// --- AmazonIpSpaceChanged ------------------------------------------------------------------------
{
  const subscription = resources.RefreshRangesSnsSubscriptionAmazonIpSpaceChanged;
  const permission = resources.RefreshRangesLambdaPermissionAmazonIpSpaceChangedSNS;
  const refresh = `\${RefreshRangesLambdaFunction.Arn}`;
  const generated = Object.entries(resources).filter(
    ([id, r]) =>
      r.Type === 'AWS::SNS::Subscription' &&
      id !== 'RefreshRangesSnsSubscriptionAmazonIpSpaceChanged' &&
      r.Properties?.Protocol === 'lambda',
  );
  if (generated.length)
    problem(`ranges: ${generated.map(([id]) => id).join(', ')} subscribe a function outside the condition`);
  if (options['ip-space-changed'] === 'off') {
    if (subscription || permission)
      problem('ranges: ipSpaceChangedSubscription=false, yet the subscription is deployed');
  } else if (!subscription || !permission) {
    problem('ranges: the AmazonIpSpaceChanged subscription or its permission is missing');
  } else {
    const topic = subscription.Properties.TopicArn;
    if (!/^arn:aws:sns:us-east-1:806199016981:AmazonIpSpaceChanged$/.test(topic))
      problem(`ranges: subscribed to ${topic}`);
    if (subscription.Properties.Protocol !== 'lambda' || render(subscription.Properties.Endpoint) !== refresh)
      problem('ranges: the subscription does not invoke refreshRanges');
    if (literal(subscription.Properties.Region) !== topic.split(':')[3])
      problem("ranges: the subscription's Region is not the topic's");
    const pp = permission.Properties;
    if (pp.Principal !== 'sns.amazonaws.com' || pp.SourceArn !== topic || render(pp.FunctionName) !== refresh)
      problem('ranges: the permission is not for that topic to invoke refreshRanges');
  }
  // Partition-safe: no ARN in the template names the commercial partition, except AWS's own topic.
  const hardCoded = JSON.stringify(template)
    .match(/arn:aws:[^"]*/g)
    ?.filter((arn) => !/^arn:aws:sns:us-east-1:806199016981:AmazonIpSpaceChanged$/.test(arn))
    .filter((arn) => arn !== cloudtrailTopicArn && arn !== logKmsKeyArn && arn !== options['alert-topic-arn']);
  if (hardCoded?.length) problem(`partition: ARNs with a fixed partition: ${[...new Set(hardCoded)].join(', ')}`);
}

// --- New-client alerts -------------------------------------------------------------------------
function isTopicChoice(value) {
  const choice = value?.['Fn::If'];
  return (
    Array.isArray(choice) &&
    choice.length === 3 &&
    JSON.stringify(choice[1]) === JSON.stringify({ Ref: ALERT_TOPIC }) &&
    typeof choice[2] === 'string'
  );
}

const topicVariable = fn?.Properties?.Environment?.Variables?.[ALERT_TOPIC_VARIABLE];
const topic = topicVariable === undefined ? '' : render(topicVariable);
const alertResources = [ALERT_TOPIC, ALERT_SUBSCRIPTION, ALERT_POLICY, ALERT_ALARM].filter((id) => id in resources);
const snsGrants = Object.keys(resources)
  .filter((id) => /^AWS::IAM::(Role|Policy|ManagedPolicy)$/.test(resources[id].Type))
  .flatMap((id) => statementsOf(id).map((statement) => ({ id, statement })))
  .filter(({ statement }) => list(statement.Action).some((action) => render(action).startsWith('sns:')));
if (topicVariable === undefined) problem(`function: environment variable ${ALERT_TOPIC_VARIABLE} is missing`);
if (expectedAlerts === 'off') {
  if (alertResources.length > 0) problem(`alerts: off, yet ${alertResources.join(', ')} would be deployed`);
  if (snsGrants.length > 0) problem(`alerts: off, yet ${snsGrants.map(({ id }) => id).join(', ')} grants SNS actions`);
  if (topic !== '') problem(`alerts: off, yet ${ALERT_TOPIC_VARIABLE} is ${topic}`);
} else {
  const topicRef = `\${${ALERT_TOPIC}}`;
  if (resources[ALERT_TOPIC]?.Type !== 'AWS::SNS::Topic')
    problem(`alerts: ${ALERT_TOPIC} (AWS::SNS::Topic) is missing`);
  if (topic !== topicRef) problem(`alerts: ${ALERT_TOPIC_VARIABLE} is ${JSON.stringify(topic)}, expected ${topicRef}`);
  const subscription = resources[ALERT_SUBSCRIPTION];
  if (subscription?.Type !== 'AWS::SNS::Subscription') {
    problem(`alerts: ${ALERT_SUBSCRIPTION} (AWS::SNS::Subscription) is missing`);
  } else {
    const p = subscription.Properties;
    if (p.Protocol !== 'email' || !/^[^@\s]+@[^@\s]+$/.test(p.Endpoint ?? ''))
      problem(`alerts: subscription is ${p.Protocol} to ${JSON.stringify(p.Endpoint)}, expected an email address`);
    if (render(p.TopicArn) !== topicRef) problem(`alerts: subscription is to ${render(p.TopicArn)}`);
  }
  // sns:Publish on the alert topic, in a policy on processLog's role, and no other SNS right anywhere.
  const policy = resources[ALERT_POLICY];
  if (policy?.Type !== 'AWS::IAM::Policy') problem(`alerts: ${ALERT_POLICY} (AWS::IAM::Policy) is missing`);
  else if (!list(policy.Properties.Roles).some((role) => render(role) === `\${${FUNCTION_ROLE}}`))
    problem(`alerts: ${ALERT_POLICY} is not attached to ${FUNCTION_ROLE}`);
  const grants = snsGrants.map(({ id, statement }) => ({
    id,
    actions: list(statement.Action).map(render),
    targets: list(statement.Resource).map(render),
  }));
  const exact = grants.filter(
    ({ id, actions, targets }) =>
      id === ALERT_POLICY &&
      actions.length === 1 &&
      actions[0] === 'sns:Publish' &&
      targets.length === 1 &&
      targets[0] === topicRef,
  );
  if (exact.length !== 1 || grants.length !== 1)
    problem(`alerts: SNS rights are ${JSON.stringify(grants)}, expected sns:Publish on ${topicRef} only`);
  const alarm = resources[ALERT_ALARM];
  if (alarm?.Type !== 'AWS::CloudWatch::Alarm') {
    problem(`alerts: ${ALERT_ALARM} (AWS::CloudWatch::Alarm) is missing`);
  } else {
    const p = alarm.Properties;
    const variables = fn?.Properties?.Environment?.Variables ?? {};
    const expected = {
      Namespace: variables.POWERTOOLS_METRICS_NAMESPACE,
      MetricName: 'NewHttpClients',
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    };
    for (const [name, value] of Object.entries(expected)) {
      if (p[name] !== value)
        problem(`alerts: alarm ${name} is ${JSON.stringify(p[name])}, expected ${JSON.stringify(value)}`);
    }
    // Powertools puts every metric under the service dimension: without it the alarm watches nothing.
    const dimensions = list(p.Dimensions).map((d) => `${d.Name}=${render(d.Value)}`);
    if (dimensions.join() !== `service=${variables.POWERTOOLS_SERVICE_NAME}`)
      problem(
        `alerts: alarm dimensions are ${dimensions.join() || 'none'}, expected service=${variables.POWERTOOLS_SERVICE_NAME}`,
      );
    const actions = list(p.AlarmActions).map(render);
    if (actions.length !== 1 || actions[0] !== topicRef)
      problem(`alerts: alarm notifies ${actions.join(', ') || 'nobody'}`);
  }
}

// --- Recovery of abandoned batches ---------------------------------------------------------------
{
  const RECOVERY_FUNCTION = 'RecoverBatchesLambdaFunction';
  const RECOVERY_ROLE = 'RecoverBatchesRole';
  const RECOVERY_ALARM = 'BatchesUnrecoverableAlarm';
  const INDEX = 'open-batches';
  const RECOVERY_ACTIONS = [
    'dynamodb:BatchGetItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:UpdateItem',
  ];
  const tableArn = `\${${TABLE}.Arn}`;
  const recovery = resources[RECOVERY_FUNCTION];
  if (recovery?.Type !== 'AWS::Lambda::Function') problem(`recovery: ${RECOVERY_FUNCTION} is missing`);
  else {
    if (recovery.Properties.Handler !== 'handlers/recover-batches.handler')
      problem(`recovery: handler is ${recovery.Properties.Handler}`);
    if (render(recovery.Properties.Role) !== `\${${RECOVERY_ROLE}.Arn}`)
      problem(`recovery: ${RECOVERY_FUNCTION} does not run as ${RECOVERY_ROLE}`);
  }
  const schedules = Object.values(resources).filter(
    (r) =>
      r.Type === 'AWS::Events::Rule' &&
      list(r.Properties?.Targets).some((target) => render(target.Arn) === `\${${RECOVERY_FUNCTION}.Arn}`),
  );
  const expressions = schedules.map((rule) => rule.Properties.ScheduleExpression);
  if (expressions.join() !== 'rate(15 minutes)' || schedules.some((rule) => rule.Properties.State !== 'ENABLED'))
    problem(`recovery: schedule is ${expressions.join(', ') || 'missing'}, expected rate(15 minutes), enabled`);
  const invokable = Object.values(resources).some(
    (r) =>
      r.Type === 'AWS::Lambda::Permission' &&
      render(r.Properties?.FunctionName) === `\${${RECOVERY_FUNCTION}.Arn}` &&
      r.Properties?.Principal === 'events.amazonaws.com',
  );
  if (!invokable) problem('recovery: EventBridge may not invoke the function');

  // Its own log streams, and read and update rights on the table and its index: nothing else.
  const statements = statementsOf(RECOVERY_ROLE);
  if (statements.length === 0) problem(`recovery: ${RECOVERY_ROLE} is missing`);
  for (const statement of statements) {
    const actions = list(statement.Action).map(render).sort();
    const targets = list(statement.Resource).map(render).sort();
    const logs =
      actions.join() === 'logs:CreateLogStream,logs:PutLogEvents' &&
      targets.length === 1 &&
      /log-group:\/aws\/lambda\/[a-z0-9-]+-recoverBatches:\*$/.test(targets[0]);
    const table =
      actions.join() === RECOVERY_ACTIONS.join() &&
      targets.join() === [tableArn, `${tableArn}/index/${INDEX}`].sort().join();
    if (statement.Effect !== 'Allow' || statement.Condition || !(logs || table))
      problem(`recovery: ${RECOVERY_ROLE} grants ${actions.join(', ')} on ${targets.join(', ')}`);
  }
  if (!statements.some((statement) => list(statement.Action).map(render).includes('dynamodb:UpdateItem')))
    problem(`recovery: ${RECOVERY_ROLE} cannot update the table`);

  const index = list(resources[TABLE]?.Properties?.GlobalSecondaryIndexes).find((gsi) => gsi.IndexName === INDEX);
  const indexKeys = Object.fromEntries(list(index?.KeySchema).map((k) => [k.KeyType, k.AttributeName]));
  if (
    indexKeys.HASH !== 'openBatches' ||
    indexKeys.RANGE !== 'claimedAt' ||
    index?.Projection?.ProjectionType !== 'KEYS_ONLY'
  )
    problem(
      `table: index ${INDEX} is ${JSON.stringify(index ?? 'missing')}, expected openBatches/claimedAt, KEYS_ONLY`,
    );

  const alarm = resources[RECOVERY_ALARM];
  if (alarm?.Type !== 'AWS::CloudWatch::Alarm') problem(`recovery: ${RECOVERY_ALARM} is missing`);
  else {
    const p = alarm.Properties;
    const variables = fn?.Properties?.Environment?.Variables ?? {};
    const dimensions = list(p.Dimensions).map((d) => `${d.Name}=${render(d.Value)}`);
    if (
      p.MetricName !== 'BatchesUnrecoverable' ||
      p.Namespace !== variables.POWERTOOLS_METRICS_NAMESPACE ||
      p.Statistic !== 'Sum' ||
      p.Threshold !== 0 ||
      p.ComparisonOperator !== 'GreaterThanThreshold' ||
      dimensions.join() !== `service=${variables.POWERTOOLS_SERVICE_NAME}`
    )
      problem(`recovery: ${RECOVERY_ALARM} does not fire on the first BatchesUnrecoverable of the service`);
    const actions = list(p.AlarmActions).map(render);
    const expected = expectedAlerts === 'email' ? [`\${${ALERT_TOPIC}}`] : [];
    if (actions.join() !== expected.join())
      problem(
        `recovery: ${RECOVERY_ALARM} notifies ${actions.join(', ') || 'nobody'}, expected ${expected.join() || 'nobody'}`,
      );
  }
}

// --- Report -----------------------------------------------------------------------------------
if (problems.length > 0) {
  console.error(`check-template: ${templatePath} has ${problems.length} problem(s):`);
  for (const message of problems) console.error(`  - ${message}`);
  process.exit(1);
}
console.log(`check-template: ${templatePath} OK (trigger ${trigger}, alerts ${expectedAlerts})`);
console.log('IAM statements:');
console.log(summary.join('\n'));
