import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../bin/local/dynamodb-local';
import { LOCAL_CREDENTIALS } from '../../bin/local/s3rver';
import { ensureTable } from '../../bin/local/table';
import { openLogFile } from '../../bin/run/local-files';
import { countLog } from '../../lib/count/pipeline';
import { fixedIpRanges } from '../../lib/count/ranges-provider';
import { cloudTrailFormat } from '../../lib/formats/cloudtrail';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { AggregateStore } from '../../lib/store';
import type { BenchVariantEntry } from './variants';

/**
 * Bench variants that write to DynamoDB, kept apart from `variants.ts` so that the store's
 * dependencies (AWS SDK, DynamoDB Local) load only in the processes that measure them.
 */
export const STORE_VARIANTS: readonly BenchVariantEntry[] = [
  {
    id: 'c',
    name: 'cleartrail + DynamoDB Local: countLog, exactly-once writes',
    // Untimed, like a cold start: DynamoDB Local (a separate java process, so its memory is not
    // in this variant's RSS), the table and the clients.
    prepare: async () => {
      const dynamoDb = await startDynamoDbLocal();
      const client = new DynamoDBClient({
        endpoint: dynamoDb.endpoint,
        region: 'us-east-1',
        credentials: LOCAL_CREDENTIALS,
      });
      const table = `bench-${randomUUID()}`;
      await ensureTable(client, table);
      const context = {
        store: new AggregateStore(client, table),
        ranges: fixedIpRanges(bundledIpRanges()),
        networks: [],
      };
      return {
        async run(file) {
          const result = await countLog(context, {
            id: randomUUID(),
            location: file,
            format: cloudTrailFormat,
            open: async () => openLogFile(file),
          });
          if (result.status !== 'counted') throw new Error(`${file}: ${result.status}`);
          const { read, store, summary } = result;
          const units = store.writeUnits;
          const perHundredThousand = (units * 100_000) / Math.max(1, read.records);
          return {
            records: read.records,
            s3Records: read.s3Records,
            jsonBytes: read.decompressedBytes,
            detail:
              `${summary.requests.toLocaleString('en-US')} requests, ${store.chunks} transactions, ` +
              `${store.transactionalWrites.toLocaleString('en-US')} transactional + ${store.plainWrites} plain item writes = ` +
              `${units.toLocaleString('en-US')} write units (${perHundredThousand.toFixed(0)} per 100,000 records)`,
          };
        },
      };
    },
  },
];
