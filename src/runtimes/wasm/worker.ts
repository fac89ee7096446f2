// The piscina worker entry: one InstanceCache per worker thread; plugin log lines go to the
// main thread as they happen (the pool routes them to the plugin's logger by module id);
// vectors come back as transferred buffers (Piscina.move), not copied arrays.
import { parentPort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { InstanceCache, type WasmReply, type WasmTask } from './tasks.js';
import { LOG_MESSAGE_TAG, type WorkerLogMessage } from './worker-messages.js';

const cache = new InstanceCache((moduleId, level, message) => {
  const line: WorkerLogMessage = { [LOG_MESSAGE_TAG]: true, moduleId, level, message };
  parentPort?.postMessage(line);
});

class MovableReply {
  constructor(
    private readonly reply: WasmReply,
    private readonly transfer: ArrayBuffer[],
  ) {}

  get [Piscina.transferableSymbol](): ArrayBuffer[] {
    return this.transfer;
  }

  get [Piscina.valueSymbol](): WasmReply {
    return this.reply;
  }
}

export default function runTask(task: WasmTask): unknown {
  const { reply, transfer } = cache.run(task);
  return transfer.length === 0 ? reply : Piscina.move(new MovableReply(reply, transfer) as never);
}
