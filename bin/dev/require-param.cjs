// `${file(./bin/dev/require-param.cjs):logBucket}`: the fallback of a parameter that has no default.
// osls calls it only when the parameter is missing, and shows this message instead of one
// "Value not found" per place that uses the parameter.
'use strict';

// A ServerlessError is shown as a message, without a stack trace.
const ServerlessError = require('osls/lib/serverless-error');

module.exports.logBucket = () => {
  throw new ServerlessError(
    // This prefix makes osls pass the error on as it is, instead of wrapping it with its stack.
    'Cannot resolve variable at "custom.logBucket": the parameter logBucket is missing: name the S3 bucket your CloudTrail trail writes to, e.g.\n' +
      '    npx sls package --param="logBucket=my-cloudtrail-bucket"\n' +
      '    npx sls deploy  --param="logBucket=my-cloudtrail-bucket" --stage prod',
    'MISSING_LOG_BUCKET',
  );
};

/** Stops `sls package` with `message` as it is: osls shows a ServerlessError without a stack. */
function refuse(property, message, code) {
  throw new ServerlessError(`Cannot resolve variable at "custom.${property}": ${message}`, code);
}

// `${file(./bin/dev/require-param.cjs):logKmsKeyArn}`: the parameter, empty or a KMS key ARN.
// IAM matches kms:Decrypt against the key ARN, never an alias, so an alias would deploy a right
// that S3's decrypt on processLog's behalf never meets.
module.exports.logKmsKeyArn = async ({ resolveVariable }) => {
  const value = await resolveVariable('param:logKmsKeyArn');
  if (value === '' || /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(value)) return value;
  return refuse(
    'logKmsKeyArn',
    `the parameter logKmsKeyArn is ${JSON.stringify(value)}, expected the ARN of a KMS key ` +
      "(arn:aws:kms:REGION:ACCOUNT:key/KEY-ID, the trail's KMSKeyId; not an alias)",
    'INVALID_LOG_KMS_KEY_ARN',
  );
};

const TRIGGERS = ['s3', 'eventbridge', 'cloudtrail-sns'];

// `${file(./bin/dev/require-param.cjs):trigger}`: one of the three triggers; a misspelt one
// would deploy no trigger at all (every condition false) and count nothing.
module.exports.trigger = async ({ resolveVariable }) => {
  const value = await resolveVariable('param:trigger');
  if (TRIGGERS.includes(value)) return value;
  return refuse(
    'trigger',
    `the parameter trigger is ${JSON.stringify(value)}, expected one of ${TRIGGERS.join(', ')} ` +
      '(`cleartrail doctor --bucket B` says which fits)',
    'INVALID_TRIGGER',
  );
};

// `${file(./bin/dev/require-param.cjs):cloudtrailTopicArn}`: the trail's SNS topic, needed by
// and only by trigger=cloudtrail-sns.
module.exports.cloudtrailTopicArn = async ({ resolveVariable }) => {
  const value = await resolveVariable('param:cloudtrailTopicArn');
  const trigger = await resolveVariable('param:trigger');
  const isTopicArn = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/.test(value);
  if (trigger === 'cloudtrail-sns' && !isTopicArn)
    return refuse(
      'cloudtrailTopicArn',
      `trigger=cloudtrail-sns needs cloudtrailTopicArn, the ARN of the trail's SNS topic ` +
        `(aws cloudtrail describe-trails: SnsTopicARN), got ${JSON.stringify(value)}`,
      'INVALID_CLOUDTRAIL_TOPIC_ARN',
    );
  if (trigger !== 'cloudtrail-sns' && value !== '')
    return refuse(
      'cloudtrailTopicArn',
      `cloudtrailTopicArn is set but trigger is ${JSON.stringify(trigger)}: add --param="trigger=cloudtrail-sns", or leave the topic out`,
      'UNUSED_CLOUDTRAIL_TOPIC_ARN',
    );
  return value;
};
