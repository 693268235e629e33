import type { Context } from 'aws-lambda';

/** The Lambda context the handler tests invoke with: only what middy and Powertools read. */
export const lambdaContext = {
  functionName: 'cleartrail-test-processLog',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:cleartrail-test-processLog',
  memoryLimitInMB: '1024',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/** Powertools as the handler tests run it: named as deployed, metrics off, only errors logged. */
export const QUIET_POWERTOOLS = {
  POWERTOOLS_SERVICE_NAME: 'cleartrail',
  POWERTOOLS_METRICS_NAMESPACE: 'cleartrail',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
} as const;
