// Admission in front of the shared worker pool: at most `slots` calls run at once (one per
// worker), each plugin at most its own concurrency (from resources.cpu), and at most
// `queueLimit` calls wait, first come first served. A full queue is MODGATE_OVERLOADED
// (503 + Retry-After) instead of an unbounded backlog; a waiter whose signal fires (time
// cap, client gone) leaves the queue, so waiting counts against the call's timeout.
import { ModgateError } from '../../errors.js';

interface Waiter {
  key: string;
  limit: number;
  grant: (release: () => void) => void;
  reject: (err: unknown) => void;
  cleanup: () => void;
}

export interface KeyStats {
  running: number;
  waiting: number;
}

export class Scheduler {
  private running = 0;
  private readonly runningByKey = new Map<string, number>();
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly slots: number,
    private readonly queueLimit: number,
    /** Seconds a rejected caller should wait (Retry-After). */
    private readonly retryAfter = 1,
  ) {}

  get totalRunning(): number {
    return this.running;
  }

  get totalWaiting(): number {
    return this.queue.length;
  }

  stats(key: string): KeyStats {
    return { running: this.runningByKey.get(key) ?? 0, waiting: this.queue.filter((w) => w.key === key).length };
  }

  /** Resolves with a release function once the call may run. */
  acquire(key: string, limit: number, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    // Every release and abort re-runs pump(), so a waiter still queued now cannot run: a caller
    // that can run starts at once without overtaking anyone who could.
    if (this.canRun(key, limit)) return Promise.resolve(this.start(key));
    if (this.queue.length >= this.queueLimit) {
      return Promise.reject(
        new ModgateError('MODGATE_OVERLOADED', `the WASM runtime is overloaded: ${this.queue.length} calls are already waiting (MODGATE_WASM_QUEUE); retry shortly`, {
          retryAfter: this.retryAfter,
        }),
      );
    }
    return new Promise<() => void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(signal.reason);
        this.pump(); // a waiter ahead of others may have been blocking them
      };
      const waiter: Waiter = {
        key,
        limit,
        grant: resolve,
        reject,
        cleanup: () => signal.removeEventListener('abort', onAbort),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Rejects every waiter (the runtime is closing). */
  rejectAll(err: unknown): void {
    for (const waiter of this.queue.splice(0)) {
      waiter.cleanup();
      waiter.reject(err);
    }
  }

  private canRun(key: string, limit: number): boolean {
    return this.running < this.slots && (this.runningByKey.get(key) ?? 0) < limit;
  }

  private start(key: string): () => void {
    this.running++;
    this.runningByKey.set(key, (this.runningByKey.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const left = (this.runningByKey.get(key) ?? 1) - 1;
      if (left === 0) this.runningByKey.delete(key);
      else this.runningByKey.set(key, left);
      this.pump();
    };
  }

  /** Starts every waiter that may run now, oldest first (a plugin at its limit does not block others). */
  private pump(): void {
    for (let i = 0; i < this.queue.length && this.running < this.slots; ) {
      const waiter = this.queue[i];
      if (this.canRun(waiter.key, waiter.limit)) {
        this.queue.splice(i, 1);
        waiter.cleanup();
        waiter.grant(this.start(waiter.key));
      } else i++;
    }
  }
}
