// Messages a pool worker sends to the main thread outside task results (piscina re-emits
// them as the pool's 'message' event).
import type { LogLevel } from './abi.js';

export const LOG_MESSAGE_TAG = 'modgateWasmLog';

export interface WorkerLogMessage {
  [LOG_MESSAGE_TAG]: true;
  moduleId: string;
  level: LogLevel;
  message: string;
}

export function isWorkerLogMessage(value: unknown): value is WorkerLogMessage {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[LOG_MESSAGE_TAG] === true;
}
