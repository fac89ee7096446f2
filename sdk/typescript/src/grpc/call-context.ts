// The CallContext a plugin implementation receives for one gRPC call: its signal aborts
// when the gateway cancels the call (client gone, gateway timeout) or its deadline passes.
import type { Deadline } from '@grpc/grpc-js';
import type { CallContext } from '../../../../src/core/types.js';

/** Used as timeoutMs when a call has no deadline (a gateway always sets one). */
const NO_DEADLINE_MS = 24 * 60 * 60 * 1000;

interface CancellableCall {
  getDeadline(): Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
  cancelled?: boolean;
}

export interface ServerCallContext {
  ctx: CallContext;
  /** Stops the deadline timer; call when the handler is done. */
  dispose(): void;
}

export function callContext(call: CancellableCall): ServerCallContext {
  const controller = new AbortController();
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const timeoutMs = Number.isFinite(at) ? Math.max(0, at - Date.now()) : NO_DEADLINE_MS;
  const timer = setTimeout(() => controller.abort(new Error('the call deadline passed')), Math.min(timeoutMs, NO_DEADLINE_MS));
  timer.unref();
  call.on('cancelled', () => {
    if (!controller.signal.aborted) controller.abort(new Error('the gateway cancelled the call'));
  });
  if (call.cancelled) controller.abort(new Error('the gateway cancelled the call'));
  return {
    ctx: { signal: controller.signal, timeoutMs },
    dispose: () => clearTimeout(timer),
  };
}
