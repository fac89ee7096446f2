import type { FastifyReply } from 'fastify';
import type { CallerSignal } from '../core/invoke.js';

/**
 * Tells a plugin call that the client went away before its answer was sent. Watches
 * reply.raw 'close' rather than request.signal, which in fastify 5 fires for every POST with a
 * body once the body has been read. Not an AbortController: making one per request was the
 * largest part of the gateway's own cost per call (docs/benchmarks.md), and the call only
 * needs `aborted` and one listener.
 */
class ClientGone implements CallerSignal {
  private listeners: Array<() => void> | undefined;

  constructor(private readonly raw: FastifyReply['raw']) {}

  get aborted(): boolean {
    return this.raw.closed && !this.raw.writableFinished;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.listeners === undefined) {
      this.listeners = [];
      this.raw.once('close', this.onClose);
    }
    this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at >= 0) this.listeners!.splice(at, 1);
  }

  private readonly onClose = (): void => {
    if (this.raw.writableFinished) return;
    const listeners = this.listeners ?? [];
    this.listeners = [];
    for (const listener of listeners) listener();
  };
}

export function clientSignal(reply: FastifyReply): CallerSignal {
  return new ClientGone(reply.raw);
}
