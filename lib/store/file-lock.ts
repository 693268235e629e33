import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Who holds a lock, as its file says. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface FileLockOptions {
  /** What this process is doing, written into the lock for the messages of those who wait. */
  command?: string;
  /** Told once a wait has lasted `noticeAfterMs`, then every `noticeEveryMs`, with the holder. */
  onWait?: (holder: LockHolder | undefined, waitedMs: number) => void;
  noticeAfterMs?: number;
  noticeEveryMs?: number;
  /** Files the holder's engine leaves behind when it dies mid-write, removed when its lock is broken. */
  leftovers?: readonly string[];
}

/** A breaker left by a process that died while breaking a stale lock is itself stale after this long. */
const BREAKER_STALE_MS = 10_000;

/**
 * One process at a time on a data directory: a lock file created exclusively (`wx`), naming the
 * holder. Held only around a synchronous piece of work (one commit, one read), so waits are
 * short; a waiter polls, is told who it waits for, and never gives up. The lock of a process
 * that died on this host is broken, under a second lock so that two waiters never both break it.
 */
export class FileLock {
  constructor(
    readonly file: string,
    private readonly options: FileLockOptions = {},
  ) {}

  async run<T>(work: () => T): Promise<T> {
    const started = Date.now();
    let nextNotice = this.options.noticeAfterMs ?? 2_000;
    let delay = 2;
    while (!this.tryAcquire()) {
      const waited = Date.now() - started;
      if (waited >= nextNotice) {
        this.options.onWait?.(this.holder(), waited);
        nextNotice = waited + (this.options.noticeEveryMs ?? 30_000);
      }
      this.breakIfStale();
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 100);
    }
    try {
      return work();
    } finally {
      this.release();
    }
  }

  /** The current holder, if the lock file is there and readable. */
  holder(): LockHolder | undefined {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<LockHolder>;
      if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
      return {
        pid: parsed.pid,
        host: parsed.host,
        command: typeof parsed.command === 'string' ? parsed.command : '',
        since: typeof parsed.since === 'string' ? parsed.since : '',
      };
    } catch {
      return undefined;
    }
  }

  private tryAcquire(): boolean {
    let fd: number;
    try {
      fd = openSync(this.file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    const holder: LockHolder = {
      pid: process.pid,
      host: hostname(),
      command: this.options.command ?? '',
      since: new Date().toISOString(),
    };
    try {
      writeSync(fd, JSON.stringify(holder));
    } finally {
      closeSync(fd);
    }
    return true;
  }

  private release(): void {
    rmSync(this.file, { force: true });
  }

  private breakIfStale(): void {
    const holder = this.holder();
    if (!holder || holder.host !== hostname() || isAlive(holder.pid)) return;
    const breaker = `${this.file}.break`;
    try {
      mkdirSync(breaker);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - modifiedAt(breaker) > BREAKER_STALE_MS) rmSync(breaker, { recursive: true, force: true });
      return;
    }
    try {
      const still = this.holder();
      if (still && still.pid === holder.pid && still.since === holder.since) {
        for (const leftover of this.options.leftovers ?? []) rmSync(leftover, { recursive: true, force: true });
        unlinkSync(this.file);
      }
    } finally {
      rmdirSync(breaker);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function modifiedAt(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}
