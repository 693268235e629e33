import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import { StoredIpRanges } from '../lib/count/ranges-provider';
import { snsAlertTopic } from '../lib/lambda/alert-topic';
import { loadHandlerConfig } from '../lib/lambda/config';
import { handleTrigger, type InvocationContext } from '../lib/lambda/invocation';
import { parseTrigger } from '../lib/lambda/triggers';
import { bundledIpRanges } from '../lib/net/aws-ranges';
import { createS3Client } from '../lib/s3/aws-clients';
import { AggregateStore } from '../lib/store';

const logger = new Logger();
const metrics = new Metrics();

// Built on the first invocation, not at module load: a configuration error then fails the
// invocation with a clear message (the batch returns to the queue, then its dead-letter queue)
// instead of an init crash.
let context: InvocationContext | undefined;

function invocationContext(): InvocationContext {
  if (context) return context;
  const config = loadHandlerConfig(process.env);
  const store = new AggregateStore(new DynamoDBClient({}), config.tableName);
  const built: InvocationContext = {
    counting: {
      store,
      ranges: new StoredIpRanges(store, bundledIpRanges),
      networks: config.networks,
      limits: config.limits,
    },
    s3: createS3Client({ forcePathStyle: config.s3ForcePathStyle }),
    logBucket: config.logBucket,
    logPrefix: config.logPrefix,
    ...(config.accessLogs ? { accessLogs: config.accessLogs } : {}),
    log: logger,
    metrics: { addMetric: (name, _unit, value) => metrics.addMetric(name, MetricUnit.Count, value) },
    ...(config.alertTopicArn
      ? {
          alerts: {
            topic: snsAlertTopic(new SNSClient({}), config.alertTopicArn),
            table: config.tableName,
            region: process.env.AWS_REGION,
          },
        }
      : {}),
  };
  context = built;
  return built;
}

export const handler = middy(async (event: unknown) => handleTrigger(parseTrigger(event), invocationContext()))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
