// When to restart a crashed plugin process: exponentially later after each crash in a row,
// and not at all after too many. A process that stays up long enough resets the count.

export interface BackoffOptions {
  /** Delay before the first restart. */
  initialMs: number;
  /** The delay never grows beyond this. */
  maxMs: number;
  /** Each further crash in a row multiplies the delay by this. */
  factor: number;
  /** Restarts in a row before giving up (0: never restart). */
  maxRestarts: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, maxRestarts: 5 };

export class RestartBackoff {
  private crashes = 0;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {
    if (!(options.initialMs >= 0 && options.maxMs >= options.initialMs && options.factor >= 1 && options.maxRestarts >= 0)) {
      throw new Error(`invalid backoff options ${JSON.stringify(options)}`);
    }
  }

  /** Crashes counted since the last reset. */
  get count(): number {
    return this.crashes;
  }

  /** Records a crash; returns how long to wait before restarting, or undefined to give up. */
  next(): number | undefined {
    this.crashes++;
    if (this.crashes > this.options.maxRestarts) return undefined;
    const delay = this.options.initialMs * this.options.factor ** (this.crashes - 1);
    return Math.min(this.options.maxMs, delay);
  }

  /** The process has been healthy for a while: the next crash starts from the first delay again. */
  reset(): void {
    this.crashes = 0;
  }
}
