import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseRecordFields } from '../../lib/record-fields';
const json = gunzipSync(readFileSync(process.argv[2]!)).toString('utf8');
const texts = (JSON.parse(json).Records as unknown[]).map((r) => JSON.stringify(r)).filter((t) => t.includes('s3.amazonaws.com'));
const mode = process.argv[3];
for (let round = 0; round < 6; round++) {
  const t0 = performance.now(); let n = 0;
  if (mode === 'json') for (const t of texts) { const r = JSON.parse(t); if (r.eventSource) n++; }
  else for (const t of texts) { const r = parseRecordFields(t, true); if (r.eventSource) n++; }
  console.log(`${mode} ${(performance.now() - t0).toFixed(0)} ms`, n);
}
