import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLock, type LockHolder } from '../../lib/store/file-lock';

const freshDir = () => mkdtempSync(path.join(tmpdir(), 'cleartrail-lock-'));

/** The pid of a process that ran and exited: nobody holds it now. */
function deadPid(): number {
  return Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
  );
}

describe('FileLock: one process at a time on a data directory', () => {
  it('runs the work, holds the lock file only while it runs, and returns its value', async () => {
    const file = path.join(freshDir(), 'store.lock');
    const lock = new FileLock(file, { command: 'analyze logs' });

    const seen = await lock.run(() => ({ held: existsSync(file), holder: lock.holder() }));

    expect(seen.held).toBe(true);
    expect(seen.holder).toMatchObject({ pid: process.pid, host: hostname(), command: 'analyze logs' });
    expect(existsSync(file)).toBe(false);
  });

  it('releases the lock when the work throws', async () => {
    const file = path.join(freshDir(), 'store.lock');
    const lock = new FileLock(file);

    await expect(
      lock.run(() => {
        throw new Error('commit failed');
      }),
    ).rejects.toThrow('commit failed');
    expect(existsSync(file)).toBe(false);
  });

  it('waits for a live holder, says whom it waits for, and runs once the lock is free', async () => {
    // Prepare: a real process holds the lock and lets go after 600 ms.
    const dir = freshDir();
    const file = path.join(dir, 'store.lock');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600)']);
    writeFileSync(file, JSON.stringify({ pid: holder.pid, host: hostname(), command: 'report', since: 'now' }));
    holder.on('exit', () => execFileSync('rm', ['-f', file]));
    const told: Array<LockHolder | undefined> = [];

    // Act
    const ran = await new FileLock(file, { noticeAfterMs: 100, onWait: (who) => told.push(who) }).run(() => 'ran');

    // Assess
    expect(ran).toBe('ran');
    expect(told[0]).toMatchObject({ pid: holder.pid, command: 'report' });
  });

  it('breaks the lock of a process that died holding it, with the files its engine left behind', async () => {
    // Prepare
    const dir = freshDir();
    const file = path.join(dir, 'store.lock');
    const leftover = path.join(dir, 'store.sqlite.lock');
    mkdirSync(leftover);
    writeFileSync(file, JSON.stringify({ pid: deadPid(), host: hostname(), command: 'analyze', since: 'then' }));

    // Act
    const ran = await new FileLock(file, { leftovers: [leftover] }).run(() => 'ran');

    // Assess
    expect(ran).toBe('ran');
    expect(existsSync(leftover)).toBe(false);
  });
});
