import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { readServerState } from '../../bin/local/shared-store';
import { LOCAL_TABLE } from '../../bin/session';
import { AggregateStore } from '../../lib/store';
import { runCli } from '../support/cli';
import { contract, EXPECTED_BUCKETS, SAMPLE_LOGS } from '../support/sample-logs';
import { syntheticLogJson } from '../support/synthetic-log';

const ROOT = path.join(__dirname, '../..');
const dataDirs: string[] = [];

function freshDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cleartrail-shared-'));
  dataDirs.push(dir);
  return dir;
}

/** Waits until the run has counted a few files whole: it is past start-up and in the middle of its files. */
async function filesCounted(endpoint: string, files: readonly string[], wanted: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'cleartrail', secretAccessKey: 'local' },
  });
  const ledger = new AggregateStore(client, LOCAL_TABLE).ledger;
  const ids = files.map((file) => path.basename(file, '.json'));
  try {
    for (;;) {
      try {
        const states = await ledger.states(ids);
        if ([...states.values()].filter((state) => state.state === 'done').length >= wanted) return;
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}

afterAll(async () => {
  // Each data dir's server would otherwise outlive the tests by its idle timeout.
  await Promise.all(dataDirs.map((dir) => runCli(['store', 'stop', '--data-dir', dir])));
}, 60_000);

describe('CLI: one shared DynamoDB Local per data dir', () => {
  it('runs two analyze runs and a report at once on one data dir, all exit 0, with exact counts', async () => {
    // Prepare
    const dataDir = freshDataDir();

    // Act
    const runs = await Promise.all([
      runCli(['analyze', '--json', '--data-dir', dataDir, SAMPLE_LOGS]),
      runCli(['analyze', '--json', '--data-dir', dataDir, SAMPLE_LOGS]),
      runCli(['report', '--json', '--data-dir', dataDir]),
    ]);
    const after = await runCli(['report', '--json', '--data-dir', dataDir]);
    const status = await runCli(['store', 'status', '--json', '--data-dir', dataDir]);

    // Assess
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
    for (const run of runs) expect(run.stderr).not.toMatch(/Initializing DynamoDB Local|Port:|exited/);
    expect(contract(JSON.parse(after.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
    expect(status.code).toBe(0);
    const described = JSON.parse(status.stdout);
    expect(described.condition).toBe('running');
    expect(described.clients).toEqual([]);
    expect(readFileSync(described.logFile, 'utf8')).toMatch(/DynamoDB Local/);
  }, 180_000);

  it('stops with `store stop`, and the next command starts a new server on the same data', async () => {
    // Prepare
    const dataDir = freshDataDir();
    await runCli(['analyze', '--data-dir', dataDir, SAMPLE_LOGS]);
    const first = readServerState(path.join(dataDir, 'dynamodb'));

    // Act
    const stop = await runCli(['store', 'stop', '--data-dir', dataDir]);
    const stopped = await runCli(['store', 'status', '--data-dir', dataDir]);
    const report = await runCli(['report', '--json', '--data-dir', dataDir]);
    const second = readServerState(path.join(dataDir, 'dynamodb'));

    // Assess
    expect(stop.code).toBe(0);
    expect(stopped.code).toBe(1);
    expect(stopped.stdout).toMatch(/not running/);
    expect(report.code).toBe(0);
    expect(contract(JSON.parse(report.stdout).buckets)).toEqual(EXPECTED_BUCKETS);
    expect(second?.javaPid).not.toBe(first?.javaPid);
  }, 180_000);

  it('ends a run within 10 s when its store is killed, names the files not counted, and a rerun counts exactly', async () => {
    // Prepare: enough files that the run is still going when the store dies.
    const logsDir = path.join(freshDataDir(), 'logs');
    mkdirSync(logsDir);
    const files: string[] = [];
    for (let seed = 1; seed <= 60; seed++) {
      const name = `111122223333_CloudTrail_us-east-1_20250310T${String(seed % 24).padStart(2, '0')}00Z_${String(seed).padStart(16, '0')}.json`;
      writeFileSync(path.join(logsDir, name), syntheticLogJson({ records: 40, seed, clients: 20 }));
      files.push(path.join(logsDir, name));
    }
    const dataDir = freshDataDir();
    const referenceDir = freshDataDir();

    // Act: start the run, kill DynamoDB Local once it answers and files are being counted.
    const child = spawn(
      process.execPath,
      // Batches of 5: the store dies between batches, with some files counted and others not.
      [path.join(ROOT, 'bin/cleartrail.js'), 'analyze', '--batch-files', '5', '--data-dir', dataDir, logsDir],
      {
        cwd: ROOT,
        env: process.env,
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const stateFile = path.join(dataDir, 'dynamodb', 'server.json');
    while (!existsSync(stateFile)) await new Promise((resolve) => setTimeout(resolve, 50));
    const state = readServerState(path.join(dataDir, 'dynamodb'));
    await filesCounted(state?.endpoint as string, files, 5);
    process.kill(state?.javaPid as number, 'SIGKILL');
    const killedAt = Date.now();
    const code = await exited;
    const secondsToExit = (Date.now() - killedAt) / 1000;
    const rerun = await runCli(['analyze', '--json', '--data-dir', dataDir, logsDir]);
    const reference = await runCli(['analyze', '--json', '--data-dir', referenceDir, logsDir]);

    // Assess
    expect(code).toBe(3);
    expect(secondsToExit).toBeLessThan(10);
    expect(stderr).toMatch(/the store stopped answering/);
    expect(stderr).toMatch(/rerunning the same command finishes the job/);
    expect(stderr).not.toMatch(/still failing after 8 attempts/);
    const named = stderr
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim());
    expect(named.length).toBeGreaterThan(0);
    expect(named.length).toBeLessThan(files.length);
    for (const file of named) expect(files).toContain(file);
    // The named files are exactly the ones this run had not finished: the rerun counts them (or
    // completes them, when the run had claimed them before the store died).
    const rerunCounted = JSON.parse(rerun.stdout).files.filter((f: { status: string }) =>
      ['counted', 'completed'].includes(f.status),
    );
    expect(rerunCounted.map((f: { file: string }) => f.file).sort()).toEqual([...named].sort());
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout).buckets).toEqual(JSON.parse(reference.stdout).buckets);
  }, 300_000);

  it('says that the embedded store needs Java, and that --table does not, when java is not on PATH', async () => {
    // Prepare: a PATH with node and nothing else.
    const bin = path.join(freshDataDir(), 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const dataDir = freshDataDir();

    // Act
    const result = await runCli(['report', '--data-dir', dataDir], ROOT, { ...process.env, PATH: bin });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs Java 17 or later, and `java` is not on PATH/);
    expect(result.stderr).toMatch(/--table NAME, which needs no Java/);
  }, 60_000);
});
