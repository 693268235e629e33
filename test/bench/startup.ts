/**
 * The CLI's start-up, as a user meets it: `node bin/cleartrail.js --help` and `report` on the
 * sample store (events/logs analysed once into a fresh data directory, untimed), each timed from
 * spawn to exit, against `node -e 0`, the floor any Node CLI starts from. Runs alternate between
 * the commands, so that load from elsewhere on the machine hits all of them.
 *
 *   npm run bench -- --only startup [--startup-runs 10]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { align } from './day';

const REPO = resolve(__dirname, '../..');
const CLI = join(REPO, 'bin/cleartrail.js');
const PRELOAD = join(__dirname, 'max-rss-preload.cjs');

export const STARTUP_TARGETS = { help: 0.3, report: 0.5 } as const;

interface Sample {
  seconds: number;
  cpuSeconds?: number;
}

/** Runs the start-up bench and prints its table; resolves to 1 when a command failed. */
export async function runStartupBench(options: { runs: number }, log: (line: string) => void = console.error) {
  const scratch = mkdtempSync(join(tmpdir(), 'cleartrail-startup-'));
  try {
    const dataDir = join(scratch, 'data');
    const setup = await timed(['analyze', join(REPO, 'events/logs'), '--data-dir', dataDir], scratch);
    if (setup.code !== 0) {
      console.log(`startup bench: analyze of the sample logs failed: ${setup.stderr.trim()}`);
      return 1;
    }
    const commands: ReadonlyArray<{ id: keyof typeof STARTUP_TARGETS | 'node'; args: string[] }> = [
      { id: 'node', args: [] },
      { id: 'help', args: ['--help'] },
      { id: 'report', args: ['report', '--data-dir', dataDir] },
    ];
    const samples = new Map<string, Sample[]>(commands.map(({ id }) => [id, []]));
    const loadBefore = loadavg()[0] ?? Number.NaN;
    for (let round = 0; round < options.runs; round++) {
      log(`startup: run ${round + 1}/${options.runs}`);
      for (const { id, args } of commands) {
        const result = id === 'node' ? await timed(['-e', '0'], scratch, false) : await timed(args, scratch);
        if (result.code !== 0) {
          console.log(`startup bench: ${id} exited ${result.code}: ${result.stderr.trim()}`);
          return 1;
        }
        samples.get(id)?.push(result);
      }
    }

    console.log(
      `\ncleartrail start-up bench: Node ${process.version}, ${options.runs} runs each, from spawn to exit; ` +
        `1-minute load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? Number.NaN).toFixed(2)} after`,
    );
    const rows = [['command', 'best s', 'median s', 'median CPU s', 'target']];
    for (const { id, args } of commands) {
      const list = samples.get(id) ?? [];
      const seconds = list.map((s) => s.seconds);
      const cpu = list.flatMap((s) => (s.cpuSeconds === undefined ? [] : [s.cpuSeconds]));
      const target = id === 'node' ? '' : judged(median(seconds), STARTUP_TARGETS[id]);
      const label = id === 'node' ? 'node -e 0 (the floor)' : `node bin/cleartrail.js ${args.slice(0, 1).join(' ')}`;
      rows.push([
        label,
        Math.min(...seconds).toFixed(3),
        median(seconds).toFixed(3),
        cpu.length ? median(cpu).toFixed(3) : '?',
        target,
      ]);
    }
    console.log(align(rows));
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function judged(seconds: number, target: number): string {
  return `< ${target} s ${seconds < target ? '✓' : '✗'}`;
}

/** One process from spawn to exit; its CPU seconds come from the preload (all threads, until 'exit'). */
function timed(
  args: readonly string[],
  cwd: string,
  cli = true,
): Promise<Sample & { code: number | null; stderr: string }> {
  const usageFile = join(cwd, `usage-${process.hrtime.bigint()}`);
  const started = performance.now();
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--require', PRELOAD, ...(cli ? [CLI] : []), ...args], {
      cwd,
      env: { ...process.env, CLEARTRAIL_BENCH_MAX_RSS_FILE: usageFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString('utf8');
    });
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      let cpuSeconds: number | undefined;
      try {
        cpuSeconds = Number(readFileSync(usageFile, 'utf8').split(' ')[1]);
        rmSync(usageFile);
      } catch {
        cpuSeconds = undefined;
      }
      resolvePromise({ code, stderr, seconds, cpuSeconds });
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
