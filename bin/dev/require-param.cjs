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
