import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';
import { freshTable } from '../support/counting';
import { contract, EXPECTED_BUCKETS, SAMPLE_LOGS } from '../support/sample-logs';
import { writeSyntheticLog } from '../support/synthetic-log';

const ROOT = path.join(__dirname, '../..');

function freshDir(prefix = 'cleartrail-embedded-cli-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Starts hold-store-lock.ts and resolves once it holds the lock. */
async function holdLock(dataDir: string, ...args: string[]): Promise<ChildProcess> {
  const child = fork(path.join(ROOT, 'test/support/hold-store-lock.ts'), [dataDir, ...args], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', () => resolve());
    child.on('exit', (code) => reject(new Error(`hold-store-lock exited with ${code}`)));
  });
  return child;
}

/** A PATH with every program of this one except java (and its tools): a machine without Java. */
function pathWithoutJava(): string {
  const bin = path.join(freshDir(), 'bin');
  mkdirSync(bin);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (/^java|^jshell|^keytool/.test(name) || existsSync(path.join(bin, name))) continue;
      symlinkSync(path.join(dir, name), path.join(bin, name));
    }
  }
  return bin;
}

describe('CLI: the embedded store, shared by concurrent commands', () => {
  it('runs two analyze runs and a report at once on one data dir, all exit 0, with exact counts', async () => {
    // Prepare: enough files, committed one per batch, that the commits of the two runs interleave.
    const dataDir = freshDir();
    const logs = freshDir('cleartrail-embedded-logs-');
    for (let index = 0; index < 40; index++) {
      await writeSyntheticLog(path.join(logs, `log-${index}.json`), { records: 40, seed: 500 + index }, false);
    }
    const reference = freshDir();
    const alone = await runCli(['analyze', '--json', '--data-dir', reference, logs, SAMPLE_LOGS]);

    // Act
    const runs = await Promise.all([
      runCli(['analyze', '--json', '--batch-files', '1', '--data-dir', dataDir, logs, SAMPLE_LOGS]),
      runCli(['analyze', '--json', '--batch-files', '1', '--data-dir', dataDir, SAMPLE_LOGS, logs]),
      runCli(['report', '--json', '--data-dir', dataDir]),
    ]);
    const after = await runCli(['report', '--json', '--data-dir', dataDir]);

    // Assess
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
    const counted = runs
      .slice(0, 2)
      .flatMap((run) => JSON.parse(run.stdout).files)
      .filter((file: { status: string }) => file.status === 'counted');
    expect(counted).toHaveLength(45);
    expect(JSON.parse(after.stdout).buckets).toEqual(JSON.parse(alone.stdout).buckets);
    const sampleOnly = await runCli(['analyze', '--json', '--data-dir', freshDir(), SAMPLE_LOGS]);
    expect(contract(JSON.parse(sampleOnly.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
  }, 180_000);

  it('waits while another process commits, says for whom, and then goes on and exits 0', async () => {
    // Prepare
    const dataDir = freshDir();
    await runCli(['analyze', '--data-dir', dataDir, SAMPLE_LOGS]);
    const holder = await holdLock(dataDir, 'hold', '3500');

    // Act
    const report = await runCli(['report', '--json', '--data-dir', dataDir]);

    // Assess
    expect(report.code).toBe(0);
    expect(report.stderr).toMatch(
      new RegExp(`is busy: waiting for "cleartrail hold-lock" \\(pid ${holder.pid}\\) to finish its commit`),
    );
    expect(contract(JSON.parse(report.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
  }, 60_000);

  it('rolls back a transaction whose process was killed inside it, and breaks its lock', async () => {
    // Prepare
    const dataDir = freshDir();
    await runCli(['analyze', '--data-dir', dataDir, SAMPLE_LOGS]);
    const holder = await holdLock(dataDir, 'crash');
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    holder.kill('SIGKILL');
    await exited;

    // Act
    const report = await runCli(['report', '--json', '--data-dir', dataDir]);
    const again = await runCli(['analyze', '--json', '--data-dir', dataDir, SAMPLE_LOGS]);

    // Assess
    expect(report.code).toBe(0);
    const buckets = JSON.parse(report.stdout).buckets.map((bucket: { bucket: string }) => bucket.bucket);
    expect(buckets).not.toContain('half-written');
    expect(contract(JSON.parse(report.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
    expect(JSON.parse(again.stdout).files.every((file: { status: string }) => file.status === 'already-counted')).toBe(
      true,
    );
  }, 60_000);

  it('refuses a data dir of the earlier DynamoDB Local store and says how to rebuild it', async () => {
    // Prepare
    const dataDir = freshDir();
    mkdirSync(path.join(dataDir, 'dynamodb'));

    // Act
    const result = await runCli(['report', '--data-dir', dataDir]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DynamoDB Local store of an earlier cleartrail/);
    expect(result.stderr).toMatch(/run "cleartrail analyze" on the same logs again/);
  });
});

describe('CLI: no Java in the default path', () => {
  it('runs npm start, analyze and report with java missing from PATH', async () => {
    // Prepare
    const bin = pathWithoutJava();
    const dataDir = freshDir();
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
    delete env.JAVA_HOME;
    expect(() => execFileSync('sh', ['-c', 'command -v java'], { env })).toThrow();

    // Act
    const start = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(path.join(bin, 'npm'), ['start', '--', '--data-dir', dataDir], {
        cwd: ROOT,
        env,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    const report = await runCli(['report', '--json', '--data-dir', dataDir], ROOT, env);

    // Assess
    expect(start.stderr).not.toMatch(/java/i);
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/^bucket +http +refused +https/m);
    expect(start.stderr).toMatch(/5 files counted/);
    expect(report.code).toBe(0);
    expect(contract(JSON.parse(report.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
  }, 60_000);
});

describe('CLI: store export into a deployed table', () => {
  it('copies the local aggregates into the table exactly once, and the table then skips those files', async () => {
    // Prepare
    const dataDir = freshDir();
    const table = await freshTable();
    const deployed = ['--table', table, '--region', 'us-east-1'];
    await runCli(['analyze', '--data-dir', dataDir, SAMPLE_LOGS]);
    const local = await runCli(['report', '--json', '--data-dir', dataDir]);

    // Act
    const first = await runCli(['store', 'export', '--data-dir', dataDir, ...deployed]);
    const second = await runCli(['store', 'export', '--data-dir', dataDir, ...deployed]);
    const remote = await runCli(['report', '--json', ...deployed]);
    const analyzeThere = await runCli(['analyze', '--json', ...deployed, SAMPLE_LOGS]);

    // Assess
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.stderr).toMatch(/exported 5 logs/);
    expect(second.stderr).toMatch(/already exported/);
    expect(JSON.parse(remote.stdout).buckets).toEqual(JSON.parse(local.stdout).buckets);
    expect(JSON.parse(analyzeThere.stdout).files.map((file: { status: string }) => file.status)).toEqual(
      Array(5).fill('already-counted'),
    );
    expect(JSON.parse(analyzeThere.stdout).buckets).toEqual(JSON.parse(local.stdout).buckets);
  }, 60_000);

  it('refuses to export into a table that counted some of the same files already', async () => {
    // Prepare
    const dataDir = freshDir();
    const table = await freshTable();
    const deployed = ['--table', table, '--region', 'us-east-1'];
    await runCli(['analyze', '--data-dir', dataDir, SAMPLE_LOGS]);
    await runCli(['analyze', ...deployed, SAMPLE_LOGS]);
    const before = await runCli(['report', '--json', ...deployed]);

    // Act
    const result = await runCli(['store', 'export', '--data-dir', dataDir, ...deployed]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`table ${table} has counted 5 of these logs already`));
    expect((await runCli(['report', '--json', ...deployed])).stdout).toBe(before.stdout);
  }, 60_000);
});
