/**
 * Counts one log file in a child process that freezes at a chosen DynamoDB call, so that a
 * test can SIGKILL it there: the crash lands exactly between two writes (or with one in flight).
 *
 * node --import tsx test/support/count-child.ts <table> <log file> <call number> <before|after>
 */
import { createReadStream } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cloudTrailFormat } from '../../lib/formats/cloudtrail';
import { bundledIpRanges } from '../../lib/ip-ranges';
import { countLog } from '../../lib/pipeline';
import { fixedIpRanges } from '../../lib/ranges-source';
import { AggregateStore } from '../../lib/store';

const [table, file, pauseAtText, when] = process.argv.slice(2);
if (!table || !file || !pauseAtText || (when !== 'before' && when !== 'after')) {
  process.stderr.write('usage: count-child.ts <table> <log file> <call number> <before|after>\n');
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

countLog(
  {
    store: new AggregateStore(client, table, { chunkSize: 6 }),
    ranges: fixedIpRanges(bundledIpRanges()),
    networks: [],
  },
  { id: 'log-under-test', location: file, format: cloudTrailFormat, open: async () => createReadStream(file) },
).then((result) => {
  process.stdout.write(`finished ${result.status}\n`);
});
