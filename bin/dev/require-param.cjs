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
