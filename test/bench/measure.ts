import { fork, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type SyntheticLogStats, writeSyntheticLog } from '../support/synthetic-log';
import type { VariantOutcome } from './variants';

/**
 * What a child sends back: `seconds` is the second (warm) run, `coldSeconds` the first.
 * `maxRssBytes` is the process's peak resident set, preparation included.
 */
export type ChildReport =
  | { ok: true; seconds: number; coldSeconds: number; maxRssBytes: number; outcome: VariantOutcome }
  | { ok: false; seconds: number; maxRssBytes: number; error: string };

/** A generated log file the bench reads. */
export interface BenchFile extends SyntheticLogStats {
  label: string;
  path: string;
}

const REPO = resolve(__dirname, '../..');
const GENERATOR = join(REPO, 'test/support/synthetic-log.ts');

/** Where generated files live between runs: outside the repository. */
export const BENCH_DIR = join(tmpdir(), 'cleartrail-bench');

/**
 * Generates the bench files, or reuses them: a file's name carries a hash of the generator's
 * source, so a change to the generator makes new files (the 500,000-record one takes about
 * 30 s to write, most of it gzip level 6).
 */
export async function benchFiles(
  sizes: readonly number[],
  dir = BENCH_DIR,
  progress: (line: string) => void = () => undefined,
): Promise<BenchFile[]> {
  mkdirSync(dir, { recursive: true });
  const version = createHash('sha256').update(readFileSync(GENERATOR)).digest('hex').slice(0, 10);
  // Files of earlier generator versions are 100+ MB each and never read again.
  for (const name of readdirSync(dir)) {
    if (/^cloudtrail-\d+-[0-9a-f]{10}\.json\.gz/.test(name) && !name.includes(`-${version}.`))
      rmSync(join(dir, name), { force: true });
  }
  const files: BenchFile[] = [];
  for (const records of sizes) {
    const path = join(dir, `cloudtrail-${records}-${version}.json.gz`);
    const statsPath = `${path}.stats.json`;
    let stats: SyntheticLogStats;
    if (existsSync(path) && existsSync(statsPath)) {
      stats = JSON.parse(readFileSync(statsPath, 'utf8')) as SyntheticLogStats;
    } else {
      progress(`generating ${records.toLocaleString('en-US')} records into ${path}`);
      const partial = `${path}.${process.pid}.partial`;
      stats = await writeSyntheticLog(partial, { records, seed: 20_240_501 }, true);
      renameSync(partial, path);
      writeFileSync(statsPath, JSON.stringify(stats));
    }
    files.push({ ...stats, label: shortCount(records), path });
  }
  return files;
}

/**
 * Runs one variant on one file in a fresh process (`child.ts` under tsx, as `npm run bench`
 * runs). A crash (out of memory, say) comes back as a failed report rather than an exception.
 */
export function measureInChild(variantId: string, file: string, warmUpFile?: string): Promise<ChildReport> {
  return new Promise((resolvePromise) => {
    const child = fork(join(__dirname, 'child.ts'), [variantId, file, ...(warmUpFile ? [warmUpFile] : [])], {
      cwd: REPO,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let report: ChildReport | undefined;
    let output = '';
    const keep = (data: Buffer): void => {
      output = (output + data.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (message) => {
      report = message as ChildReport;
    });
    child.on('exit', (code, signal) => {
      if (report) return resolvePromise(report);
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      const lastLine = output.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
      resolvePromise({ ok: false, seconds: Number.NaN, maxRssBytes: Number.NaN, error: `${why}: ${lastLine}` });
    });
  });
}

export type JqReport =
  | { ran: true; seconds: number; maxRssBytes: number | undefined; s3Records: number }
  | { ran: false; reason: string };

/** `gzip -dc file | jq` counting the S3 records, timed (and its peak RSS when GNU time is there). */
export async function measureJq(file: string): Promise<JqReport> {
  const version = spawnSync('jq', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return { ran: false, reason: 'jq is not installed' };
  const script = 'gzip -dc "$1" | jq \'[.Records[] | select(.eventSource == "s3.amazonaws.com")] | length\'';
  // GNU time reports the largest peak RSS of the shell and what it waited for (gzip, jq).
  const gnuTime = spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
  const command = gnuTime ? '/usr/bin/time' : 'sh';
  const args = gnuTime ? ['-f', 'maxrss-kb %M', 'sh', '-c', script, 'sh', file] : ['-c', script, 'sh', file];
  const started = performance.now();
  const { code, stdout, stderr } = await run(command, args);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0)
    return { ran: false, reason: `jq failed (exit ${code}): ${stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
  const rss = /maxrss-kb (\d+)/.exec(stderr)?.[1];
  return {
    ran: true,
    seconds,
    maxRssBytes: rss === undefined ? undefined : Number(rss) * 1024,
    s3Records: Number(stdout.trim()),
  };
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (error) => resolvePromise({ code: -1, stdout, stderr: String(error) }));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function shortCount(records: number): string {
  if (records >= 1_000_000 && records % 1_000_000 === 0) return `${records / 1_000_000}M`;
  if (records >= 1000 && records % 1000 === 0) return `${records / 1000}k`;
  return String(records);
}
