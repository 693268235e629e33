/**
 * Counts log files as one batch in a child process that freezes at a chosen DynamoDB call, so
 * that a test can SIGKILL it there: the crash lands exactly between two writes (or with one in
 * flight). Each file's id is its base name.
 *
 * node --import tsx test/support/count-child.ts <table> <call number> <before|after> <log file>...
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { countBatch } from '../../lib/count/pipeline';
import { fixedIpRanges } from '../../lib/count/ranges-provider';
import { cloudTrailFormat } from '../../lib/formats/cloudtrail';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { AggregateStore } from '../../lib/store';

const [table, pauseAtText, when, ...files] = process.argv.slice(2);
if (!table || files.length === 0 || !pauseAtText || (when !== 'before' && when !== 'after')) {
  process.stderr.write('usage: count-child.ts <table> <call number> <before|after> <log file>...\n');
  process.exit(2);
}
const pauseAt = Number(pauseAtText);
const client = new DynamoDBClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
let calls = 0;
const freeze = () => {
  process.stdout.write('frozen\n');
  return new Promise<never>(() => {});
};
client.middlewareStack.add(
  (next) => async (args) => {
    const call = ++calls;
    if (call === pauseAt && when === 'before') return freeze();
    const result = await next(args);
    if (call === pauseAt && when === 'after') return freeze();
    return result;
  },
  { step: 'initialize', name: 'freezeForKill' },
);

countBatch(
  {
    store: new AggregateStore(client, table, { chunkSize: 6 }),
    ranges: fixedIpRanges(bundledIpRanges()),
    networks: [],
  },
  files.map((file) => ({
    id: path.basename(file),
    location: file,
    format: cloudTrailFormat,
    open: async () => createReadStream(file),
  })),
).then((results) => {
  process.stdout.write(`finished ${results.map((result) => result.status).join(' ')}\n`);
});
