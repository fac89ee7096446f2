// Fastify makes a child logger for every request (to bind its request id). With `redact`
// configured, pino runs the redaction over each child's bindings: a visible share of the
// gateway's own cost per call (docs/benchmarks.md), spent on requests that never log. This
// factory makes the child on the request's first log line instead.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type LogMethod = (...args: Parameters<FastifyBaseLogger['info']>) => void;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

// The level methods are added to the prototype below, one per level.
interface LazyChildLogger extends Record<(typeof LEVELS)[number], LogMethod> {}

class LazyChildLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  /** The real child logger, made on first use. */
  get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }

  silent(): void {}
}

for (const level of LEVELS) {
  LazyChildLogger.prototype[level] = function (this: LazyChildLogger, ...args) {
    (this.logger[level] as LogMethod)(...args);
  };
}

export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) =>
  new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
