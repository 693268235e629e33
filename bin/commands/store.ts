/**
 * `cleartrail store status|stop`: the shared DynamoDB Local of a data directory, which outlives
 * the commands that use it by its idle timeout.
 */
import path from 'node:path';
import { type SharedServerStatus, sharedServerStatus, stopSharedDynamoDbLocal } from '../local/shared-store';
import type { Command } from '../options';

export interface StoreCommandOptions {
  dataDir: string;
  json?: boolean;
}

/** Resolves to the exit code: 0 done, 1 `status` of a server that is not running, 2 usage. */
export async function storeCommand(args: readonly string[], options: StoreCommandOptions): Promise<number> {
  const dbDir = path.resolve(options.dataDir, 'dynamodb');
  const [action, ...extra] = args;
  if (extra.length > 0 || (action !== 'status' && action !== 'stop')) {
    process.stderr.write('cleartrail: store needs status or stop\nRun "cleartrail --help" for usage.\n');
    return 2;
  }
  if (action === 'stop') {
    const wasRunning = await stopSharedDynamoDbLocal(dbDir);
    process.stderr.write(
      wasRunning
        ? `cleartrail: stopped the DynamoDB Local of ${options.dataDir}\n`
        : `cleartrail: no DynamoDB Local was running for ${options.dataDir}\n`,
    );
    return 0;
  }
  const status = await sharedServerStatus(dbDir);
  if (options.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  else process.stdout.write(`${statusText(options.dataDir, status)}\n`);
  return status.condition === 'running' ? 0 : 1;
}

function statusText(dataDir: string, status: SharedServerStatus): string {
  const { state } = status;
  if (!state || status.condition === 'stopped') return `DynamoDB Local of ${dataDir}: not running`;
  const idleMinutes = Math.round((state.idleTimeoutMs / 60_000) * 10) / 10;
  const owner = [
    state.owner.user,
    state.owner.pid && `pid ${state.owner.pid}`,
    state.owner.command && `"${state.owner.command}"`,
  ]
    .filter(Boolean)
    .join(', ');
  return [
    `DynamoDB Local of ${dataDir}: ${status.condition}`,
    `  endpoint      ${state.endpoint}`,
    `  pids          supervisor ${state.supervisorPid}, java ${state.javaPid}`,
    `  started       ${state.startedAt} by ${owner}`,
    `  idle timeout  ${idleMinutes} min after the last command`,
    `  commands now  ${status.clients.length === 0 ? 'none' : status.clients.join(', ')}`,
    `  log           ${status.logFile}`,
  ].join('\n');
}

export const store: Command = (values, operands) =>
  storeCommand(operands, { dataDir: values['data-dir'] ?? '.cleartrail', json: values.json });
