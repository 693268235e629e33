import { AggregateStore } from '../../lib/store';
import { localEndpoints, testDynamoDbClient } from '../support/aws';
import { freshTable } from '../support/counting';
import { describeStoreContract } from './store.contract';

// Small chunks and patient retries: a batch spans many transactions, and two connections conflict.
const PATIENT_RETRIES = { attempts: 30, baseDelayMs: 10, maxDelayMs: 200 };

describeStoreContract({
  name: 'DynamoDB store on DynamoDB Local',
  fresh: async () => {
    const table = await freshTable();
    return {
      open: async () => new AggregateStore(testDynamoDbClient(), table, { chunkSize: 6, retry: PATIENT_RETRIES }),
      childArgs: ['dynamodb', localEndpoints().dynamoDb, table],
    };
  },
});
