import { createReadStream } from 'node:fs';
import { LogAggregator } from '../../lib/aggregate';
import type { CloudTrailRecord } from '../../lib/cloudtrail';
import { bundledIpRanges } from '../../lib/ip-ranges';
import { readS3Records } from '../../lib/log-reader';
import { createSourceClassifier } from '../../lib/source';
async function main() {
  const file = process.argv[2]!;
  const records: CloudTrailRecord[] = [];
  let t0 = performance.now();
  const reader = readS3Records(createReadStream(file), file);
  for (let s = await reader.next(); !s.done; s = await reader.next()) records.push(s.value);
  console.log('read', (performance.now() - t0).toFixed(0), 'ms', records.length);
  const sources = createSourceClassifier(bundledIpRanges(), []);
  for (let r = 0; r < 5; r++) {
    t0 = performance.now();
    const agg = new LogAggregator(file, sources);
    for (const rec of records) agg.add(rec);
    const out = agg.finish();
    console.log('fold', (performance.now() - t0).toFixed(0), 'ms', out.plain.size);
  }
}
main();
