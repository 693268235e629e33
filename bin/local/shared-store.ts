/**
 * One DynamoDB Local per data directory, shared by every cleartrail command that uses it.
 *
 * The first command starts `store-supervisor.mjs` detached; the supervisor runs java, writes
 * `server.json` (pids, port, owner) once java answers, and stops java after the idle timeout.
 * Every command holds a lease (`clients/<pid>`) while it uses the server, which is how the
 * supervisor knows it is idle. Later and concurrent commands read the state file, check that the
 * server answers and connect; a lock file serialises start-up. A live server is never stopped by
 * another command: only a dead or hung one (no answer for HUNG_AFTER_MS) is taken over.
 */
import { spawn } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { ConfigurationError } from '../../lib/core/errors';
import {
  DynamoDbLocalError,
  freeLoopbackPort,
  isAlive,
  killAndWait,
  pollUntilAnswering,
  processCommandLine,
  stopDynamoDbLocalOn,
} from './dynamodb-local';

/** What the supervisor writes to `server.json`. */
export interface SharedServerState {
  format: number;
  supervisorPid: number;
  javaPid: number;
  port: number;
  endpoint: string;
  dbDir: string;
  idleTimeoutMs: number;
  startedAt: string;
  owner: { user?: string; uid?: number; pid?: number; command?: string };
  version?: string;
}

export interface SharedStoreOptions {
  /** The directory DynamoDB Local keeps its database in (`<data-dir>/dynamodb`). */
  dbDir: string;
  /** How long the server outlives its last command; by default CLEARTRAIL_STORE_IDLE, else 10 minutes. */
  idleTimeoutMs?: number;
  /** Started from a command line: recorded as the owner, for `store status`. */
  command?: string;
}

export interface SharedStoreLease {
  endpoint: string;
  state: SharedServerState;
  /** True when this command started the server. */
  started: boolean;
  /** Gives the lease back; the server stops once it has had none for its idle timeout. Idempotent. */
  release(): void;
}

export const STATE_FILE_NAME = 'server.json';
export const CLIENTS_DIR_NAME = 'clients';
export const LOG_FILE_NAME = 'dynamodb-local.log';
const LOCK_FILE_NAME = 'start.lock';
const STATE_FORMAT = 1;
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
const SUPERVISOR = path.join(__dirname, 'store-supervisor.mjs');
/** Cold starts take about 2 s on a laptop, 6 s on a busy CI box. */
const START_TIMEOUT_MS = 60_000;
/** A server that has not answered a ListTables for this long is hung; a busy one answers sooner. */
const HUNG_AFTER_MS = 10_000;
const LOG_TAIL_CHARS = 4_000;

/**
 * Connects to the data directory's shared DynamoDB Local, starting it if none answers.
 *
 * @example
 * const lease = await connectSharedDynamoDbLocal({ dbDir: '.cleartrail/dynamodb' });
 * try { ... lease.endpoint ... } finally { lease.release(); }
 */
export async function connectSharedDynamoDbLocal(options: SharedStoreOptions): Promise<SharedStoreLease> {
  const dbDir = path.resolve(options.dbDir);
  const idleTimeoutMs = options.idleTimeoutMs ?? idleTimeoutFromEnvironment();
  mkdirSync(path.join(dbDir, CLIENTS_DIR_NAME), { recursive: true });
  // The lease comes first: a server found below cannot go idle between the check and the use.
  const release = takeLease(dbDir);
  try {
    const running = await answeringServer(dbDir);
    if (running) return { endpoint: running.endpoint, state: running, started: false, release };
    return await withStartLock(dbDir, async () => {
      // Another command may have started it while this one waited for the lock.
      const startedMeanwhile = await answeringServer(dbDir);
      if (startedMeanwhile)
        return { endpoint: startedMeanwhile.endpoint, state: startedMeanwhile, started: false, release };
      await takeOver(dbDir);
      const state = await startSupervisor(dbDir, idleTimeoutMs, options.command);
      return { endpoint: state.endpoint, state, started: true, release };
    });
  } catch (error) {
    release();
    throw error;
  }
}

/** The state file's content, if there is one of a format this version knows. */
export function readServerState(dbDir: string): SharedServerState | undefined {
  try {
    const state = JSON.parse(readFileSync(path.join(dbDir, STATE_FILE_NAME), 'utf8')) as SharedServerState;
    return state.format === STATE_FORMAT ? state : undefined;
  } catch {
    return undefined;
  }
}

export interface SharedServerStatus {
  state?: SharedServerState;
  /** running: answers; hung: processes alive, no answer; dead: a state file whose processes are gone. */
  condition: 'running' | 'hung' | 'dead' | 'stopped';
  /** Pids of the commands that hold a lease now. */
  clients: number[];
  logFile: string;
}

export async function sharedServerStatus(dbDirOption: string): Promise<SharedServerStatus> {
  const dbDir = path.resolve(dbDirOption);
  const state = readServerState(dbDir);
  const clients = liveLeases(dbDir);
  const logFile = path.join(dbDir, LOG_FILE_NAME);
  if (!state) return { condition: 'stopped', clients, logFile };
  if (!isAlive(state.supervisorPid) || !isAlive(state.javaPid)) return { state, condition: 'dead', clients, logFile };
  const condition = (await answers(state.endpoint, 3_000)) ? 'running' : 'hung';
  return { state, condition, clients, logFile };
}

/**
 * Stops the data directory's shared server, whoever uses it: a user's explicit choice. Resolves
 * to false when none was running.
 */
export async function stopSharedDynamoDbLocal(dbDirOption: string): Promise<boolean> {
  const dbDir = path.resolve(dbDirOption);
  const state = readServerState(dbDir);
  const wasRunning = state !== undefined && isAlive(state.javaPid);
  await takeOver(dbDir);
  return wasRunning;
}

/** CLEARTRAIL_STORE_IDLE: seconds, or a number with s, m or h. */
export function idleTimeoutFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.CLEARTRAIL_STORE_IDLE?.trim();
  if (!text) return DEFAULT_IDLE_TIMEOUT_MS;
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(text);
  if (!match) {
    throw new ConfigurationError(
      `CLEARTRAIL_STORE_IDLE=${JSON.stringify(text)} is not a duration (e.g. 600, 90s, 10m, 1h)`,
    );
  }
  const unitMs = { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1_000;
  return Math.max(1_000, Math.round(Number(match[1]) * unitMs));
}

async function answeringServer(dbDir: string): Promise<SharedServerState | undefined> {
  const state = readServerState(dbDir);
  if (!state || !isAlive(state.supervisorPid) || !isAlive(state.javaPid)) return undefined;
  return (await answers(state.endpoint, HUNG_AFTER_MS)) ? state : undefined;
}

/** Stops whatever is left on this data directory: a dead server's orphaned java, or a hung server. */
async function takeOver(dbDir: string): Promise<void> {
  const state = readServerState(dbDir);
  if (state && processCommandLine(state.supervisorPid)?.includes('store-supervisor')) {
    await killAndWait(state.supervisorPid);
  }
  await stopDynamoDbLocalOn(dbDir);
  rmSync(path.join(dbDir, STATE_FILE_NAME), { force: true });
}

/**
 * JVM options of the embedded store, before any the user set (the later one wins). The client
 * compiler alone and the serial collector: a store that lives for one command or a short idle
 * time never repays C2's compilations, which on two cores take the CPU the reading threads need.
 * README, Performance, has the figures.
 */
function embeddedJvmOptions(): string {
  return ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', process.env.JDK_JAVA_OPTIONS ?? ''].join(' ').trim();
}

async function startSupervisor(dbDir: string, idleTimeoutMs: number, command?: string): Promise<SharedServerState> {
  requireJava();
  const port = await freeLoopbackPort();
  const { username, uid } = userInfo();
  const owner = { user: username, uid, pid: process.pid, ...(command ? { command } : {}) };
  const supervisor = spawn(
    process.execPath,
    [SUPERVISOR, dbDir, String(port), String(idleTimeoutMs), JSON.stringify(owner)],
    // Its own session: it outlives this command and no terminal signal reaches it.
    { detached: true, stdio: 'ignore', cwd: dbDir, env: { ...process.env, JDK_JAVA_OPTIONS: embeddedJvmOptions() } },
  );
  supervisor.unref();
  const pid = supervisor.pid;
  if (pid === undefined) throw new DynamoDbLocalError('the DynamoDB Local supervisor could not be started');
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const state = readServerState(dbDir);
    if (state?.supervisorPid === pid) return state;
    if (!isAlive(pid)) {
      throw new DynamoDbLocalError(`DynamoDB Local exited during start-up.\n${logTail(dbDir)}`);
    }
    await sleep(50);
  }
  throw new DynamoDbLocalError(`DynamoDB Local did not answer within ${START_TIMEOUT_MS / 1000} s.\n${logTail(dbDir)}`);
}

/** The jar needs `java` on PATH; say so before starting anything, and name the way around it. */
function requireJava(): void {
  const found = (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir || '.', 'java'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) {
    throw new DynamoDbLocalError(
      'the embedded store (DynamoDB Local) needs Java 17 or later, and `java` is not on PATH. ' +
        'Install it (Debian/Ubuntu: apt-get install default-jre-headless; macOS: brew install openjdk), ' +
        'or use a deployed table with --table NAME, which needs no Java.',
    );
  }
}

function takeLease(dbDir: string): () => void {
  const lease = path.join(dbDir, CLIENTS_DIR_NAME, String(process.pid));
  closeSync(openSync(lease, 'w'));
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    rmSync(lease, { force: true });
    process.removeListener('exit', release);
  };
  process.once('exit', release);
  return release;
}

function liveLeases(dbDir: string): number[] {
  try {
    return readdirPids(path.join(dbDir, CLIENTS_DIR_NAME)).filter(isAlive);
  } catch {
    return [];
  }
}

function readdirPids(dir: string): number[] {
  return readdirSync(dir)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * Runs `start` holding `start.lock` (created with O_EXCL). A lock whose holder died is taken
 * over; a live holder is waited for, as long as a start-up can take.
 */
async function withStartLock<T>(dbDir: string, start: () => Promise<T>): Promise<T> {
  const lockFile = path.join(dbDir, LOCK_FILE_NAME);
  const deadline = Date.now() + START_TIMEOUT_MS + HUNG_AFTER_MS;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lockFile, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (fd !== undefined) {
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      try {
        return await start();
      } finally {
        rmSync(lockFile, { force: true });
      }
    }
    const holder = Number.parseInt(readText(lockFile).trim(), 10);
    // An empty file is a holder between open and write: give it a moment before calling it dead.
    if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) rmSync(lockFile, { force: true });
    else if (Date.now() > deadline) {
      throw new DynamoDbLocalError(`another command (pid ${holder}) holds ${lockFile} and has not finished starting`);
    } else await sleep(100);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function logTail(dbDir: string): string {
  return readText(path.join(dbDir, LOG_FILE_NAME)).slice(-LOG_TAIL_CHARS).trim();
}

/** Whether the server at `endpoint` answers within `timeoutMs`; a refused connection means it is down. */
function answers(endpoint: string, timeoutMs: number): Promise<boolean> {
  return pollUntilAnswering(endpoint, timeoutMs, { refusedMeansDown: true, pauseMs: 200 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
