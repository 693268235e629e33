import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { ConfigurationError } from '../lib/core/errors';
import { httpGetBytes, parseRangesTrigger, refreshIpRanges } from '../lib/lambda/ranges-refresh';
import { AggregateStore } from '../lib/store';

const logger = new Logger();
let store: AggregateStore | undefined;

/** Keeps the analyzer's AWS ranges current: runs on AmazonIpSpaceChanged and once a day. */
export const handler = middy(async (event: unknown) => {
  const notice = parseRangesTrigger(event);
  const tableName = process.env.CLEARTRAIL_TABLE;
  if (!tableName) throw new ConfigurationError('CLEARTRAIL_TABLE is not set');
  store ??= new AggregateStore(new DynamoDBClient({}), tableName);
  const result = await refreshIpRanges(notice, { store, fetchBytes: httpGetBytes(10_000) });
  logger.info('AWS ranges refreshed', result);
  return result;
}).use(injectLambdaContext(logger));
