/**
 * Benchmark of the AWS range table: cold-start cost, memory, and lookups per second on one core.
 *
 *   node --import tsx test/bench/ip-lookup.ts
 *
 * or `runIpLookupBench()` from test/bench/run.ts. Addresses come from a seeded generator, so
 * runs compare: half are drawn inside random AWS prefixes (hits), half uniformly (mostly misses).
 * Lookups go straight to the table, without the per-file cache of lib/classify/request-source.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSourceClassifier } from '../../lib/classify/request-source';
import ranges from '../../lib/data/ip-ranges.json';
import { parseIpRanges } from '../../lib/net/aws-ranges';
import { formatIpv6, type ParsedIp, parseIp } from '../../lib/net/ip-address';
import { parseNamedNetworks } from '../../lib/net/named-networks';
import { mulberry32, pick } from '../support/random';

const LIB = fileURLToPath(new URL('../../lib', import.meta.url));

export interface IpLookupBenchOptions {
  /** Fresh processes for the cold-start figures (median reported). */
  coldRuns?: number;
  /** Seconds per throughput measurement. */
  seconds?: number;
}

/** Runs the benchmark and returns the report as text (also what the main guard prints). */
export async function runIpLookupBench(options: IpLookupBenchOptions = {}): Promise<string> {
  const coldRuns = options.coldRuns ?? 7;
  const seconds = options.seconds ?? 1;
  const lines: string[] = [`ip-lookup: AWS ranges syncToken ${ranges.syncToken}, Node ${process.version}`];

  const bundle = await measureBundle(coldRuns);
  lines.push(
    `  cold start (esbuild CJS bundle, fresh process, median of ${coldRuns}): module load ${bundle.load} ms` +
      ` (esbuild inlines the JSON as an object literal; JSON.parse of the same text: ${bundle.jsonParse} ms),` +
      ` first bundledIpRanges() ${bundle.build} ms`,
  );
  const table = parseIpRanges(ranges, 'bench');
  lines.push(
    `  table: ${table.stats.entries} entries, ${table.stats.prefixes} distinct prefixes, ${table.stats.intervals} intervals;` +
      ` index ${kb(table.stats.indexBytes)} in typed arrays, ${kb(bundle.tableBytes)} retained in all` +
      ` (heap + array buffers, before any match object exists); the parsed JSON document ${kb(bundle.documentBytes)}`,
  );

  const random = mulberry32(0x5eed);
  const v4 = sampleAddresses(4, 8192, random);
  const v6 = sampleAddresses(6, 8192, random);
  for (const [label, sample] of [
    ['IPv4', v4],
    ['IPv6', v6],
  ] as const) {
    const hits = sample.parsed.filter((ip) => table.lookup(ip) !== undefined).length;
    const rate = throughput(seconds, () => {
      let found = 0;
      for (const ip of sample.parsed) if (table.lookup(ip)) found++;
      return [sample.parsed.length, found];
    });
    const parseRate = throughput(seconds, () => {
      let found = 0;
      for (const text of sample.texts) {
        const ip = parseIp(text);
        if (ip && table.lookup(ip)) found++;
      }
      return [sample.texts.length, found];
    });
    lines.push(
      `  ${label} lookup: ${millions(rate)} M/s (${Math.round((100 * hits) / sample.parsed.length)}% hits);` +
        ` parse + lookup from text: ${millions(parseRate)} M/s`,
    );
  }

  // The classifier as a log file uses it: a few dozen addresses, each repeated many times.
  const classifier = createSourceClassifier(table, parseNamedNetworks('office=203.0.113.0/24'));
  const records = Array.from({ length: 4096 }, (_, i) => ({ sourceIPAddress: v4.texts[i % 40] ?? '' }));
  const classifyRate = throughput(seconds, () => {
    let n = 0;
    for (const record of records) if (classifier.classify(record).class) n++;
    return [records.length, n];
  });
  lines.push(`  classify with the per-file cache (40 distinct addresses): ${millions(classifyRate)} M records/s`);
  return lines.join('\n');
}

/**
 * Bundles lib/net/aws-ranges.ts as the Lambda build does (esbuild, CommonJS) and measures it in
 * fresh processes: cold-start times (median of `runs`) and, in one more process with
 * --expose-gc, the memory the table retains.
 */
async function measureBundle(runs: number) {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'cleartrail-bench-'));
  try {
    const bundle = join(dir, 'ip-ranges.cjs');
    await build({
      stdin: {
        contents: "export { bundledIpRanges, parseIpRanges } from './net/aws-ranges';",
        resolveDir: LIB,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      logLevel: 'warning',
    });
    const jsonPath = JSON.stringify(join(LIB, 'data/ip-ranges.json'));
    const coldProbe = join(dir, 'cold.cjs');
    writeFileSync(
      coldProbe,
      `const t0 = performance.now();
const m = require(${JSON.stringify(bundle)});
const t1 = performance.now();
m.bundledIpRanges();
const t2 = performance.now();
const text = require('node:fs').readFileSync(${jsonPath}, 'utf8');
const t3 = performance.now();
JSON.parse(text);
const t4 = performance.now();
console.log(JSON.stringify({ load: t1 - t0, build: t2 - t1, jsonParse: t4 - t3 }));`,
    );
    const samples = Array.from({ length: runs }, () =>
      JSON.parse(execFileSync(process.execPath, [coldProbe], { encoding: 'utf8' })),
    );
    const median = (key: 'load' | 'build' | 'jsonParse') => {
      const sorted = samples.map((s) => s[key] as number).sort((a, b) => a - b);
      return Math.round((sorted[Math.floor(sorted.length / 2)] ?? Number.NaN) * 10) / 10;
    };

    const memoryProbe = join(dir, 'memory.cjs');
    writeFileSync(
      memoryProbe,
      `const { parseIpRanges } = require(${JSON.stringify(bundle)});
const text = require('node:fs').readFileSync(${jsonPath}, 'utf8');
const used = () => { gc(); gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
const m0 = used();
const document = JSON.parse(text);
const m1 = used();
// Warm-up builds compile the builder, so that its code is not counted; then five tables are
// kept and the growth divided by five, which evens out what a single GC leaves behind.
for (let i = 0; i < 3; i++) parseIpRanges(document, 'warm-up');
const m2 = used();
const tables = Array.from({ length: 5 }, () => parseIpRanges(document, 'memory'));
const m3 = used();
console.log(JSON.stringify({ documentBytes: m1 - m0, tableBytes: (m3 - m2) / tables.length, keep: document.syncToken }));`,
    );
    const memory = JSON.parse(execFileSync(process.execPath, ['--expose-gc', memoryProbe], { encoding: 'utf8' }));
    return {
      load: median('load'),
      build: median('build'),
      jsonParse: median('jsonParse'),
      documentBytes: memory.documentBytes as number,
      tableBytes: memory.tableBytes as number,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Addresses for one family: half inside random listed prefixes, half anywhere in the space. */
function sampleAddresses(family: 4 | 6, count: number, random: () => number) {
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const inside = i % 2 === 0;
    if (family === 4) {
      let value = Math.floor(random() * 2 ** 32);
      if (inside) {
        const prefix = pick(ranges.prefixes, random).ip_prefix;
        const [base, length] = prefix.split('/') as [string, string];
        const size = 2 ** (32 - Number(length));
        value = (parseIp(base) as Extract<ParsedIp, { family: 4 }>).value + Math.floor(random() * size);
      }
      texts.push(`${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`);
    } else {
      // Global unicast 2000::/3 for misses; inside a prefix, keep its first 32 bits.
      const words = [0x20000000 + Math.floor(random() * 0x20000000), word(random), word(random), word(random)];
      if (inside) {
        const prefix = pick(ranges.ipv6_prefixes, random).ipv6_prefix;
        const [base, length] = prefix.split('/') as [string, string];
        const baseWords = (parseIp(base) as Extract<ParsedIp, { family: 6 }>).words;
        for (let w = 0; w < 4; w++) {
          const bits = Math.min(32, Math.max(0, Number(length) - 32 * w));
          const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
          words[w] = (((baseWords[w] ?? 0) & mask) | ((words[w] ?? 0) & ~mask)) >>> 0;
        }
      }
      texts.push(formatIpv6(words));
    }
  }
  const parsed = texts.map((t) => {
    const ip = parseIp(t);
    if (!ip) throw new Error(`generated address ${t} does not parse`);
    return ip;
  });
  return { texts, parsed };
}

/** Runs `pass` for about `seconds` after a warm-up; returns operations per second. */
function throughput(seconds: number, pass: () => [operations: number, result: number]): number {
  let sink = 0;
  for (let i = 0; i < 20; i++) sink += pass()[1];
  let operations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    const [n, result] = pass();
    operations += n;
    sink += result;
    elapsed = performance.now() - start;
  }
  if (sink < 0) console.log(sink); // keeps the loop's result observable
  return (operations / elapsed) * 1000;
}

function word(random: () => number): number {
  return Math.floor(random() * 2 ** 32);
}

function millions(rate: number): string {
  return (rate / 1e6).toFixed(1);
}

function kb(bytes: number): string {
  return `${Math.round(bytes / 1024)} KiB`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runIpLookupBench().then(
    (report) => console.log(report),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
