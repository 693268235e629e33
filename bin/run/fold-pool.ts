import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PermanentLogError } from '../../lib/core/errors';
import type { FoldResult } from '../../lib/count/pipeline';
import type { LogFormat } from '../../lib/formats';
import type { LogInput } from '../../lib/formats/format';
import type { NamedNetwork } from '../../lib/net/named-networks';

export interface FoldRequest {
  job: number;
  id: string;
  location: string;
  path: string;
  /** The format the main thread chose (by name, or by content for a file named on the command line). */
  format: LogFormat['name'];
}

export interface FoldReply {
  job: number;
  result?: FoldResult;
  error?: { name: string; message: string; code?: string; object?: string };
}

/**
 * Reads and folds local log files on worker threads, one file per worker at a time, so that
 * decompression, parsing and folding use every core while the main thread commits.
 */
export class FoldPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ request: FoldRequest; settle: Settle }> = [];
  private readonly inFlight = new Map<number, { worker: Worker; settle: Settle }>();
  private jobs = 0;

  private readonly networks: readonly NamedNetwork[];

  constructor(options: { size?: number; networks: readonly NamedNetwork[] }) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.networks = options.networks;
  }

  /**
   * The threads start with the first file to fold, not with the pool: each builds the AWS ranges
   * table (about 0.3 s of CPU), which a run whose files were all counted already never needs.
   */
  private start(): void {
    for (let index = 0; index < this.size; index++) {
      const worker = new Worker(path.join(__dirname, 'fold-worker.js'), { workerData: { networks: this.networks } });
      worker.on('message', (reply: FoldReply) => this.answer(worker, reply));
      worker.on('error', (error) => this.fail(worker, error));
      // A worker keeps no event loop alive on its own account: the pool is closed explicitly.
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Folds a local log file; `log.location` must be its path. */
  fold(log: LogInput): Promise<FoldResult> {
    return new Promise((resolve, reject) => {
      const request: FoldRequest = {
        job: ++this.jobs,
        id: log.id,
        location: log.location,
        path: log.location,
        format: log.format.name,
      };
      this.queue.push({ request, settle: { resolve, reject } });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    if (this.workers.length === 0) this.start();
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const { request, settle } = this.queue.shift() as { request: FoldRequest; settle: Settle };
      this.inFlight.set(request.job, { worker, settle });
      worker.postMessage(request);
    }
  }

  private answer(worker: Worker, reply: FoldReply): void {
    const job = this.inFlight.get(reply.job);
    if (!job) return;
    this.inFlight.delete(reply.job);
    this.idle.push(worker);
    if (reply.result) job.settle.resolve(reply.result);
    else job.settle.reject(reviveError(reply.error));
    this.dispatch();
  }

  private fail(worker: Worker, error: Error): void {
    for (const [job, entry] of this.inFlight) {
      if (entry.worker !== worker) continue;
      this.inFlight.delete(job);
      entry.settle.reject(error);
    }
  }
}

interface Settle {
  resolve(result: FoldResult): void;
  reject(error: unknown): void;
}

/** Errors cross threads as plain data; a log's own problem comes back as the PermanentLogError it was. */
function reviveError(error: FoldReply['error']): Error {
  if (error?.code !== undefined && error.object !== undefined) {
    const revived = new PermanentLogError(error.object, error.code, error.message.slice(error.object.length + 2));
    revived.name = error.name;
    return revived;
  }
  const revived = new Error(error?.message ?? 'a reading thread failed');
  revived.name = error?.name ?? 'Error';
  return revived;
}
