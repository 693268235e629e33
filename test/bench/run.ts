/**
 * `npm run bench`: cleartrail's reader against a whole-file parse, on the same generated
 * CloudTrail files, in one run. Each variant runs on each file in its own process (so that its
 * peak RSS is its own), five times by default; the table shows the fastest run and the largest
 * RSS. On a shared two-core machine single runs of the same variant varied by up to 40%.
 *
 * Each process runs its variant three times on the file. The table's time is the faster of the
 * last two: the steady state of a Lambda container, which counts file after file and compiles its
 * code once. The first run ("cold s") also pays for that compilation, about 0.15 s of
 * cleartrail's 100k run. Every run builds its per-file state afresh, as a Lambda does.
 *
 * Before the timed run each process runs its variant once, untimed, on the 1,000-record file:
 * a Lambda container counts file after file, and only its first pays for compiling the reader
 * and the fold to machine code (about 0.15 s of a cold 100k run). The baseline's time is
 * gunzip and JSON.parse, native code with nothing to warm up; it gets the same warm-up run.
 *
 *   npm run bench
 *   npm run bench -- --sizes 1000,100000 --runs 5 --variants a,b
 *   npm run bench -- --jq-all        # also run jq on files over 200 MiB of JSON (several GiB of RAM)
 *   npm run bench -- --ip-lookup     # also run test/bench/ip-lookup.ts
 *
 * Then the day bench (day.ts): a generated day of 288 CloudTrail deliveries, read by a naive
 * script, DuckDB (when installed), cleartrail without the store and the `cleartrail analyze` CLI.
 *
 *   npm run bench -- --only day       # the day bench alone (also: --day); --only files skips it
 *   npm run bench -- --only day --days 2 --day-seed 7 --day-runs 3 --cli-runs 2 --day-variants naive,cli
 *
 * Then the access-log bench (access-log.ts): the streaming access-log reader against readFile,
 * split('\n') and a regular expression per line, on a generated ~100 MB access log.
 *
 *   npm run bench -- --only access-log [--access-log-runs 3]
 *
 * First the start-up bench (startup.ts): `cleartrail --help` and `report` on the sample store,
 * from spawn to exit, against `node -e 0`.
 *
 *   npm run bench -- --only startup [--startup-runs 10]
 *
 * Files are generated once into the temp directory (see measure.ts) and reused. Exit code 1
 * means a variant failed where it must not, or variants disagreed on the counts; missed
 * performance targets are printed, not turned into a failure, as timings on a shared machine vary.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runAccessLogBench } from './access-log';
import { runDayBench } from './day';
import { BENCH_DIR, benchFiles, measureInChild, measureJq } from './measure';
import { disagreements, type FileResults, formatTable, formatTargets } from './report';
import { runStartupBench } from './startup';
import { BENCH_VARIANTS } from './variants';

const WARM_UP_RECORDS = 1000;

/** jq holds the whole document as a tree: over about 200 MiB of JSON it needs several GiB. */
const JQ_DEFAULT_MAX_JSON_BYTES = 200 * 1024 ** 2;

const OPTIONS = {
  sizes: { type: 'string', default: '1000,100000,500000' },
  runs: { type: 'string', default: '5' },
  variants: { type: 'string' },
  'jq-all': { type: 'boolean', default: false },
  'ip-lookup': { type: 'boolean', default: false },
  only: { type: 'string' },
  day: { type: 'boolean', default: false },
  days: { type: 'string', default: '1' },
  'day-seed': { type: 'string' },
  'day-runs': { type: 'string', default: '3' },
  'cli-runs': { type: 'string', default: '1' },
  'day-variants': { type: 'string' },
  'access-log-runs': { type: 'string', default: '3' },
  'startup-runs': { type: 'string', default: '10' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

async function main(): Promise<number> {
  const { values } = parseArgs({ options: OPTIONS });
  const only = values.day ? 'day' : values.only;
  if (only !== undefined && !['day', 'files', 'access-log', 'startup'].includes(only)) {
    throw new Error('--only takes day, files, access-log or startup');
  }
  let exitCode = 0;
  if (only === undefined || only === 'startup') {
    const runs = Number(values['startup-runs']);
    if (!Number.isSafeInteger(runs) || runs < 1) throw new Error('--startup-runs takes a positive integer');
    exitCode = await runStartupBench({ runs });
  }
  if (only === undefined || only === 'files') exitCode = await runFileBench(values);
  if (only === undefined || only === 'day') {
    const [days, runs, cliRuns] = [values.days, values['day-runs'], values['cli-runs']].map(Number);
    if (![days, runs, cliRuns].every((n) => Number.isSafeInteger(n) && (n as number) >= 1)) {
      throw new Error('--days, --day-runs and --cli-runs take positive integers');
    }
    const seed = values['day-seed'] === undefined ? undefined : Number(values['day-seed']);
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new Error('--day-seed takes an integer');
    const code = await runDayBench({
      corpus: { days, ...(seed === undefined ? {} : { seed }) },
      runs: runs as number,
      cliRuns: cliRuns as number,
      variants: values['day-variants']?.split(','),
    });
    exitCode = Math.max(exitCode, code);
  }
  if (only === undefined || only === 'access-log') {
    const runs = Number(values['access-log-runs']);
    if (!Number.isSafeInteger(runs) || runs < 1) throw new Error('--access-log-runs takes a positive integer');
    exitCode = Math.max(exitCode, await runAccessLogBench({ runs }));
  }
  return exitCode;
}

/** The single-file bench: each variant on each generated file of `--sizes`. */
async function runFileBench(values: Values): Promise<number> {
  const sizes = values.sizes.split(',').map((size) => Number(size.replace(/_/g, '')));
  const runs = Number(values.runs);
  if (sizes.some((size) => !Number.isSafeInteger(size) || size <= 0) || !Number.isSafeInteger(runs) || runs < 1) {
    throw new Error('--sizes takes record counts (e.g. 1000,100000) and --runs a positive integer');
  }
  const wanted = values.variants?.split(',');
  const variants = BENCH_VARIANTS.filter((variant) => !wanted || wanted.includes(variant.id));

  const files = await benchFiles(sizes, BENCH_DIR, (line) => console.error(line));
  const [warmUp] = await benchFiles([WARM_UP_RECORDS], BENCH_DIR, (line) => console.error(line));
  const results: FileResults[] = [];
  for (const file of files) {
    const result: FileResults = {
      file,
      variants: variants.map((variant) => ({ id: variant.id, name: variant.name, reports: [] })),
      jq: { ran: false, reason: 'not run' },
    };
    // Runs alternate between variants, so that a burst of load from elsewhere on the machine
    // hits all of them rather than all the runs of one.
    for (let run = 0; run < runs; run++) {
      for (const variant of result.variants) {
        if (variant.reports.some((report) => !report.ok)) continue; // a failure repeats; no need to wait for it again
        console.error(`${file.label}: (${variant.id}) run ${run + 1}/${runs}`);
        variant.reports.push(await measureInChild(variant.id, file.path, warmUp?.path));
      }
    }
    result.jq =
      file.jsonBytes > JQ_DEFAULT_MAX_JSON_BYTES && !values['jq-all']
        ? { ran: false, reason: `over ${JQ_DEFAULT_MAX_JSON_BYTES / 1024 ** 2} MiB of JSON; --jq-all runs it` }
        : await measureJq(file.path);
    results.push(result);
  }

  const cpu = cpus();
  console.log(
    `cleartrail bench: Node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? '?'}), ` +
      `best of ${runs} run(s) per variant, each in its own process; files in ${BENCH_DIR}`,
  );
  console.log('');
  console.log(formatTable(results));
  // Each variant's own account of a file (items, transactions, write units), from its last good run.
  for (const result of results) {
    for (const variant of result.variants) {
      const detail = variant.reports.findLast((report) => report.ok)?.outcome?.detail;
      if (detail) console.log(`  ${result.file.label} (${variant.id}): ${detail}`);
    }
  }
  console.log('');
  const targets = formatTargets(results);
  const verdict = targets.met === undefined ? 'not judged, (b) did not run' : targets.met ? 'met' : 'NOT met';
  console.log(`Targets of issue 6, judged on (b): ${verdict}`);
  console.log(targets.text);

  let exitCode = 0;
  const problems = disagreements(results);
  if (problems.length > 0) {
    console.log('\nVariants disagree with the generated files:');
    for (const problem of problems) console.log(`  ${problem}`);
    exitCode = 1;
  }
  const pipelineFailed = results.some((result) =>
    result.variants.some((v) => v.id !== 'a' && v.reports.some((r) => !r.ok)),
  );
  if (pipelineFailed) exitCode = 1;

  if (values['ip-lookup']) {
    const { runIpLookupBench } = await import('./ip-lookup');
    console.log(`\n${await runIpLookupBench()}`);
  }
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
