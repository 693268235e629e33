import { createReadStream, readFileSync } from 'node:fs';
import { gunzipSync, createGunzip } from 'node:zlib';
import { readS3Records } from '../../lib/log-reader';
const file = process.argv[2]!;
async function main() {
  let t0 = performance.now();
  const json = gunzipSync(readFileSync(file));
  console.log('gunzipSync', (performance.now() - t0).toFixed(0));
  t0 = performance.now();
  let n = 0;
  for await (const c of createReadStream(file).pipe(createGunzip({ chunkSize: 256 * 1024 }))) n += (c as Buffer).length;
  console.log('gunzip stream', (performance.now() - t0).toFixed(0));
  t0 = performance.now();
  const s = json.toString('utf8');
  console.log('toString whole', (performance.now() - t0).toFixed(0));
  t0 = performance.now();
  JSON.parse(s);
  console.log('JSON.parse whole', (performance.now() - t0).toFixed(0));
  t0 = performance.now();
  const r = readS3Records(createReadStream(file), file);
  let k = 0;
  for (let st = await r.next(); !st.done; st = await r.next()) k++;
  console.log('readS3Records', (performance.now() - t0).toFixed(0), k);
}
main();
