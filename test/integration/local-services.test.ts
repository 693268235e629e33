import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbLocalError, PID_FILE_NAME, startDynamoDbLocal } from '../../bin/local/dynamodb-local';
import { LOCAL_CREDENTIALS } from '../../bin/local/s3rver';
import { ensureTable } from '../../bin/local/table';
import { testDynamoDbClient, testS3Client, uniqueName } from '../support/aws';

const repoRoot = resolve(__dirname, '../..');

describe('Local services started by the global setup', () => {
  it('stores and returns an object in s3rver through the SDK, with a streamed body', async () => {
    // Prepare
    const s3 = testS3Client();
    const bucket = uniqueName('local-services');
    const body = 'line 1\nline 2\n'.repeat(1000);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    // Act
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/sample file.json',
        Body: Readable.from([Buffer.from(body)]),
        ContentLength: Buffer.byteLength(body),
      }),
    );
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/10/sample file.json',
      }),
    );

    // Assess
    expect(await object.Body?.transformToString()).toBe(body);
    s3.destroy();
  });

  it('creates a table in DynamoDB Local and reads an item back', async () => {
    // Prepare
    const dynamoDb = testDynamoDbClient();
    const table = uniqueName('local-services');
    await ensureTable(dynamoDb, table);

    // Act
    await dynamoDb.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: 'bucket#acme-data' }, sk: { S: 'hour#1' } } }),
    );
    const { Item } = await dynamoDb.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'bucket#acme-data' }, sk: { S: 'hour#1' } } }),
    );

    // Assess
    expect(Item).toEqual({ pk: { S: 'bucket#acme-data' }, sk: { S: 'hour#1' } });
    dynamoDb.destroy();
  });
});

describe('Function: startDynamoDbLocal', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('takes over the data directory of a run that was killed with SIGKILL, keeping its data', async () => {
    // Prepare: a CLI-like process starts DynamoDB Local on the directory, then dies without cleaning up.
    const dataDir = temporaryDirectory();
    const killedRun = await startInChildProcess(dataDir);
    cleanups.push(() => killQuietly(killedRun.javaPid));
    const oldClient = localClient(killedRun.endpoint);
    const table = 'aggregates';
    await ensureTable(oldClient, table);
    await oldClient.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'kept' }, sk: { S: 'x' } } }));
    oldClient.destroy();
    killedRun.child.kill('SIGKILL');
    await once(killedRun.child, 'exit');
    expect(isAlive(killedRun.javaPid)).toBe(true); // the orphaned java that the next run must handle

    // Act
    const ddb = await startDynamoDbLocal({ dataDir });
    cleanups.push(() => ddb.stop());

    // Assess
    expect(isAlive(killedRun.javaPid)).toBe(false);
    expect(readFileSync(join(dataDir, PID_FILE_NAME), 'utf8').trim()).toBe(String(ddb.pid));
    const client = localClient(ddb.endpoint);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'kept' }, sk: { S: 'x' } } }),
    );
    client.destroy();
    expect(Item).toEqual({ pk: { S: 'kept' }, sk: { S: 'x' } });
    await ddb.stop();
    expect(existsSync(join(dataDir, PID_FILE_NAME))).toBe(false);
    expect(isAlive(ddb.pid)).toBe(false);
  });

  it('ignores a stale pid file that names a process other than DynamoDB Local', async () => {
    // Prepare: the pid file names this very test process; killing it would end the test run.
    const dataDir = temporaryDirectory();
    writeFileSync(join(dataDir, PID_FILE_NAME), `${process.pid}\n`);

    // Act
    const ddb = await startDynamoDbLocal({ dataDir });
    cleanups.push(() => ddb.stop());

    // Assess
    expect(readFileSync(join(dataDir, PID_FILE_NAME), 'utf8').trim()).toBe(String(ddb.pid));
  });

  it('explains that java is missing instead of timing out', async () => {
    // Prepare
    const path = process.env.PATH;
    process.env.PATH = temporaryDirectory();
    cleanups.push(() => {
      process.env.PATH = path;
    });

    // Act
    const started = startDynamoDbLocal();

    // Assess
    await expect(started).rejects.toThrow(DynamoDbLocalError);
    await expect(started).rejects.toThrow(/java/);
  });

  function temporaryDirectory(): string {
    const dir = mkdtempSync(join(tmpdir(), 'cleartrail-ddb-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }
});

function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
}

/** Runs startDynamoDbLocal in a separate Node process, as the CLI would, and waits for its endpoint. */
async function startInChildProcess(
  dataDir: string,
): Promise<{ child: ChildProcess; endpoint: string; javaPid: number }> {
  const script = join(dataDir, '..', `${process.pid}-${Date.now()}-start-dynamodb-local.mjs`);
  const moduleUrl = pathToFileURL(join(repoRoot, 'bin/local/dynamodb-local.ts')).href;
  writeFileSync(
    script,
    `import { startDynamoDbLocal } from ${JSON.stringify(moduleUrl)};
const ddb = await startDynamoDbLocal({ dataDir: process.argv[2] });
process.stdout.write(JSON.stringify({ endpoint: ddb.endpoint, javaPid: ddb.pid }) + '\\n');
setInterval(() => {}, 60_000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    const line = await new Promise<string>((resolveLine, reject) => {
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolveLine(stdout.split('\n')[0] as string);
      });
      child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${stderr}`)));
    });
    return { child, ...(JSON.parse(line) as { endpoint: string; javaPid: number }) };
  } finally {
    rmSync(script, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited orphan may linger as a zombie until init reaps it.
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z /.test(stat);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
