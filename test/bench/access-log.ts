/**
 * The access-log bench (`npm run bench -- --only access-log`): cleartrail's streaming reader
 * against the naive way, `readFile` + `split('\n')` + one regular expression per line, on a
 * generated ~100 MB S3 server access log. Both count each request id once per bucket and judge
 * the same verdicts; their counts must agree. The reader also classifies every source address,
 * which the naive way does not: the comparison favours the naive way.
 *
 * Both run in this process, alternating, several times; the figure is each one's fastest run.
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSourceClassifier } from '../../lib/classify/request-source';
import { classifyAccessLogVerdict } from '../../lib/classify/verdict';
import { accessLogFormat } from '../../lib/formats/access-log';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { syntheticAccessLogLines } from '../support/synthetic-access-log';
import { BENCH_DIR } from './measure';

const TARGET_BYTES = 100 * 1024 ** 2;
const LINES_PER_BLOCK = 20_000;
/** The target: the reader at least 1.5 times as fast as the naive way. */
const TARGET_SPEEDUP = 1.5;

type Counts = Map<string, number>;

/** The generated log, written once into the bench directory (about 230,000 lines). */
function benchLog(): string {
  const file = join(BENCH_DIR, 'access-log-100MB.log');
  if (existsSync(file)) return file;
  mkdirSync(BENCH_DIR, { recursive: true });
  const parts: string[] = [];
  let bytes = 0;
  for (let block = 0; bytes < TARGET_BYTES; block++) {
    const text = `${syntheticAccessLogLines(LINES_PER_BLOCK, 1000 + block).join('\n')}\n`;
    parts.push(text);
    bytes += Buffer.byteLength(text);
  }
  writeFileSync(`${file}.tmp`, parts.join(''));
  renameSync(`${file}.tmp`, file);
  return file;
}

/** The naive way: the whole file as one string, split into lines, a regular expression per line. */
async function naive(file: string): Promise<Counts> {
  const counts: Counts = new Map();
  const seen = new Set<string>();
  const text = await readFile(file, 'utf8');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = [...line.matchAll(/"([^"]*)"|\[([^\]]*)\]|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
    const id = `${fields[1]}\n${fields[5]}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const verdict = classifyAccessLogVerdict({
      operation: fields[6] ?? '',
      remoteIp: fields[3] ?? '',
      requester: fields[4] ?? '',
      cipherSuite: fields[20],
      tlsVersion: fields[23],
    }).verdict;
    const key = `${fields[1]} ${verdict}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** cleartrail's reader, streaming the file 1 MiB at a time as `analyze` does. */
async function reader(file: string): Promise<Counts> {
  const counts: Counts = new Map();
  const sources = createSourceClassifier(bundledIpRanges(), []);
  const batches = accessLogFormat.requests(createReadStream(file, { highWaterMark: 1024 * 1024 }), file, { sources });
  for (let step = await batches.next(); !step.done; step = await batches.next()) {
    for (const request of step.value) {
      const key = `${request.bucket} ${request.verdict}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

async function timed(run: () => Promise<Counts>): Promise<{ seconds: number; counts: Counts }> {
  const start = performance.now();
  const counts = await run();
  return { seconds: (performance.now() - start) / 1000, counts };
}

function sameCounts(a: Counts, b: Counts): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);
}

/** Runs the bench and prints both figures and the ratio; exit code 1 when the counts disagree. */
export async function runAccessLogBench(options: { runs: number }): Promise<number> {
  const file = benchLog();
  const megabytes = statSync(file).size / 1024 ** 2;
  const lines = readFileSync(file).reduce((n, byte) => (byte === 0x0a ? n + 1 : n), 0);
  console.error(`access-log bench: ${file}, ${megabytes.toFixed(1)} MiB, ${lines.toLocaleString('en-US')} lines`);
  const best = { naive: Number.POSITIVE_INFINITY, reader: Number.POSITIVE_INFINITY };
  let agreed = true;
  for (let run = 0; run < options.runs; run++) {
    const a = await timed(() => naive(file));
    const b = await timed(() => reader(file));
    best.naive = Math.min(best.naive, a.seconds);
    best.reader = Math.min(best.reader, b.seconds);
    if (!sameCounts(a.counts, b.counts)) agreed = false;
    console.error(
      `  run ${run + 1}/${options.runs}: naive ${a.seconds.toFixed(2)} s, reader ${b.seconds.toFixed(2)} s`,
    );
  }
  const ratio = best.naive / best.reader;
  console.log(`access-log bench: Node ${process.version}, ${megabytes.toFixed(1)} MiB, best of ${options.runs} runs`);
  console.log(`  naive (readFile + split('\\n') + a regular expression per line): ${best.naive.toFixed(2)} s`);
  console.log(`  cleartrail's access-log reader (streaming, sources classified too): ${best.reader.toFixed(2)} s`);
  console.log(
    `  reader is ${ratio.toFixed(2)}x as fast; target >= ${TARGET_SPEEDUP}x: ${ratio >= TARGET_SPEEDUP ? 'met' : 'NOT met'}`,
  );
  if (!agreed) console.log('  the two disagree on the counts');
  return agreed ? 0 : 1;
}
