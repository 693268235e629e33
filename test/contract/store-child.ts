/**
 * Counts log files into a store, one commit per file, in a child process that a contract test
 * SIGKILLs at a random moment: before, between or inside commits. Each file's id is its base name.
 *
 * node --import tsx test/contract/store-child.ts dynamodb <endpoint> <table> <log file>...
 * node --import tsx test/contract/store-child.ts embedded - <data dir> <log file>...
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { countLog } from '../../lib/count/pipeline';
import { fixedIpRanges } from '../../lib/count/ranges-provider';
import { cloudTrailFormat } from '../../lib/formats/cloudtrail';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { AggregateStore, type CountingStore } from '../../lib/store';
import { EmbeddedStore } from '../../lib/store/embedded';

const [kind, endpoint, where, ...files] = process.argv.slice(2);

async function open(): Promise<CountingStore> {
  if (kind === 'embedded') return EmbeddedStore.open(where as string);
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return new AggregateStore(client, where as string, { chunkSize: 6 });
}

async function main(): Promise<void> {
  if ((kind !== 'embedded' && kind !== 'dynamodb') || !where || files.length === 0) {
    process.stderr.write('usage: store-child.ts dynamodb|embedded <endpoint|-> <table|dir> <log file>...\n');
    process.exit(2);
  }
  const store = await open();
  const context = { store, ranges: fixedIpRanges(bundledIpRanges()), networks: [] };
  process.stdout.write('ready\n');
  for (const file of files) {
    await countLog(context, {
      id: path.basename(file),
      location: file,
      format: cloudTrailFormat,
      open: async () => createReadStream(file),
    });
  }
  process.stdout.write('finished\n');
}

void main();
