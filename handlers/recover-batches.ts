import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { ConfigurationError } from '../lib/core/errors';
import { DEFAULT_GRACE_PERIOD_SECONDS } from '../lib/core/grace-period';
import { parseRecoveryTrigger, recoverOpenBatches } from '../lib/lambda/batch-recovery';
import { AggregateStore } from '../lib/store';

const logger = new Logger();
const metrics = new Metrics();
let store: AggregateStore | undefined;

/**
 * Every 15 minutes: completes the batches that were claimed and then abandoned (a message that
 * went to the dead-letter queue, an `analyze` never run again), so that no log stays half-counted.
 */
export const handler = middy(async (event: unknown) => {
  parseRecoveryTrigger(event);
  const tableName = process.env.CLEARTRAIL_TABLE;
  if (!tableName) throw new ConfigurationError('CLEARTRAIL_TABLE is not set');
  store ??= new AggregateStore(new DynamoDBClient({}), tableName);
  return recoverOpenBatches(store, {
    olderThanSeconds: DEFAULT_GRACE_PERIOD_SECONDS,
    log: logger,
    metrics: { addMetric: (name, _unit, value) => metrics.addMetric(name, MetricUnit.Count, value) },
  });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
