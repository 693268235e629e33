import { createReadStream } from 'node:fs';
import { Aggregate, LogAggregator } from '../../lib/aggregate';
import type { CloudTrailRecord } from '../../lib/cloudtrail';
import { bundledIpRanges } from '../../lib/ip-ranges';
import { readS3Records } from '../../lib/log-reader';
import { describeRequest, type S3Request } from '../../lib/request';
import { createSourceClassifier } from '../../lib/source';
import { classifyVerdict } from '../../lib/verdict';
import { bucketTarget } from '../../lib/bucket';
import { EventIdSet } from '../../lib/event-id-set';
async function main() {
  const file = process.argv[2]!;
  const records: CloudTrailRecord[] = [];
  const reader = readS3Records(createReadStream(file), file);
  for (let s = await reader.next(); !s.done; s = await reader.next()) records.push(s.value);
  const sources = createSourceClassifier(bundledIpRanges(), []);
  const best: Record<string, number> = {};
  const time = (name: string, fn: () => void) => { const t0 = performance.now(); fn(); const t = performance.now() - t0; best[name] = Math.min(best[name] ?? Infinity, t); };
  let requests: S3Request[] = [];
  for (let r = 0; r < 6; r++) {
    time('verdict', () => { for (const x of records) classifyVerdict(x); });
    time('bucketTarget', () => { for (const x of records) bucketTarget(x); });
    time('classify', () => { for (const x of records) sources.classify(x); });
    time('eventIds', () => { const s = new EventIdSet(); for (const x of records) s.add(x.eventID!); });
    time('describeRequest', () => { requests = []; for (const x of records) requests.push(describeRequest(x, sources) as S3Request); });
    time('Aggregate.add', () => { const a = new Aggregate('t'); for (const q of requests) a.add(q); });
    time('LogAggregator', () => { const a = new LogAggregator(file, sources); for (const x of records) a.add(x); a.finish(); });
  }
  for (const [k, v] of Object.entries(best)) console.log(k.padEnd(16), v.toFixed(0), 'ms');
}
main();
