import { fork } from 'node:child_process';
import path from 'node:path';

/**
 * Counts the files as one batch in a child process (count-child.ts), freezes it at DynamoDB call
 * `call`, `when` it is sent or after it succeeded, and SIGKILLs it there, the way Lambda ends a
 * timed-out run. Resolves to what the child printed before it was killed: `frozen`, or
 * `finished ...` when the batch made fewer calls than `call`.
 */
export async function countAndKillAt(
  table: string,
  point: { call: number; when: 'before' | 'after' },
  files: readonly string[],
): Promise<string> {
  const child = fork(path.join(__dirname, 'count-child.ts'), [table, String(point.call), point.when, ...files], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const said = await new Promise<string>((resolve) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(output.trim());
    });
  });
  const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  await exited;
  return said;
}
