import { createReadStream } from 'node:fs';
import { hygieneFindings } from '../../lib/aggregate';
import { bundledIpRanges } from '../../lib/ip-ranges';
import { readS3Records } from '../../lib/log-reader';
import { describeRequest } from '../../lib/request';
import { createSourceClassifier } from '../../lib/source';
async function main() {
  const file = process.argv[2]!;
  const sources = createSourceClassifier(bundledIpRanges(), []);
  const reader = readS3Records(createReadStream(file), file);
  let total = 0, client = 0, ec2 = 0; const ids = new Set<string>(); const addrs = new Set<string>();
  for (let s = await reader.next(); !s.done; s = await reader.next()) {
    const r = describeRequest(s.value, sources); if (typeof r === 'string') continue;
    total++; const f = hygieneFindings(r); if (r.verdict === 'http' || f.length) { client++; ids.add(`${r.source.address}\n${r.principal}\n${r.userAgent}`); }
    if (r.source.ec2Credentials) ec2++; addrs.add(r.source.address);
  }
  console.log({ total, client, distinctClients: ids.size, ec2, addrs: addrs.size });
}
main();
