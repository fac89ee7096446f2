// What a pool worker does with one task, as plain functions (worker.ts only wires them to
// piscina, so tests call these directly). Each worker keeps one instance per loaded module
// and reuses it across calls; an instance that trapped, exited or hit its memory cap is
// thrown away and the next call gets a fresh one.
import type { ErrorCode } from '../../errors.js';
import type { LogLevel } from './abi.js';
import { encodeTextBatch } from './abi.js';
import { PluginInstance, WasmCallError, type ModuleRef } from './instance.js';
import { JSON_OUTPUTS, transformBatchOutput, transformOutput, type Checked, type JsonExport } from './outputs.js';

export type WasmRequest =
  /** Instantiate (mg_init) if needed and report facts: used at load and for health. */
  | { op: 'probe' }
  | { op: 'vectorize'; texts: string[]; batch: boolean }
  | { op: 'transform'; texts: string[]; batch: boolean }
  | { op: 'json'; export: JsonExport; input: unknown };

export interface WasmTask {
  ref: ModuleRef;
  request: WasmRequest;
  /** Ids of modules that were unloaded: drop their instances. */
  retired: string[];
}

export interface ProbeResult {
  dimensions?: number;
  memoryBytes: number;
  transformBatch: boolean;
}

export type WasmReply =
  | { ok: true; value: unknown; vectors?: ArrayBuffer }
  | { ok: false; code: ErrorCode; message: string };

export interface TaskOutcome {
  reply: WasmReply;
  /** Buffers to transfer (not copy) back to the main thread. */
  transfer: ArrayBuffer[];
}

export type ModuleLogSink = (moduleId: string, level: LogLevel, message: string) => void;

/** Instances kept per worker; the least recently used goes first. */
export const MAX_CACHED_INSTANCES = 32;

const encoder = new TextEncoder();

export class InstanceCache {
  private readonly instances = new Map<string, PluginInstance>();
  private retired = new Set<string>();
  /** Instances created and discarded by this worker (for tests and diagnostics). */
  created = 0;
  discarded = 0;

  constructor(
    private readonly log: ModuleLogSink,
    private readonly maxInstances = MAX_CACHED_INSTANCES,
  ) {}

  get size(): number {
    return this.instances.size;
  }

  run(task: WasmTask): TaskOutcome {
    this.retire(task.retired);
    let instance: PluginInstance | undefined;
    try {
      instance = this.instanceFor(task.ref);
      return execute(instance, task.request);
    } catch (err) {
      if (!(err instanceof WasmCallError)) throw err;
      if (err.discard && instance) this.discard(task.ref.id);
      // A fresh instance that fails to start during a call (after a trap discarded the last
      // one) is the plugin failing that call, not a failed load.
      const code = err.code === 'MODGATE_PLUGIN_LOAD_FAILED' && task.request.op !== 'probe' ? 'MODGATE_PLUGIN_ERROR' : err.code;
      return { reply: { ok: false, code, message: err.message }, transfer: [] };
    }
  }

  private retire(ids: string[]): void {
    if (ids.length === 0 && this.retired.size === 0) return;
    this.retired = new Set(ids);
    for (const id of ids) if (this.instances.delete(id)) this.discarded++;
  }

  private instanceFor(ref: ModuleRef): PluginInstance {
    const cached = this.instances.get(ref.id);
    if (cached) {
      this.instances.delete(ref.id);
      this.instances.set(ref.id, cached); // most recently used last
      return cached;
    }
    const instance = PluginInstance.create(ref, (level, message) => this.log(ref.id, level, message));
    this.created++;
    if (this.retired.has(ref.id)) return instance; // a late call for an unloaded version: use once
    this.instances.set(ref.id, instance);
    while (this.instances.size > this.maxInstances) {
      const oldest = this.instances.keys().next().value as string;
      this.instances.delete(oldest);
      this.discarded++;
    }
    return instance;
  }

  private discard(id: string): void {
    if (this.instances.delete(id)) this.discarded++;
  }
}

function execute(instance: PluginInstance, request: WasmRequest): TaskOutcome {
  switch (request.op) {
    case 'probe': {
      const value: ProbeResult = {
        memoryBytes: instance.memoryBytes,
        transformBatch: instance.has('mg_transform_batch'),
        ...(instance.dimensions !== undefined ? { dimensions: instance.dimensions } : {}),
      };
      return done(value);
    }
    case 'vectorize':
      return vectorize(instance, request.texts, request.batch);
    case 'transform':
      return done(transform(instance, request.texts, request.batch));
    case 'json': {
      const check = JSON_OUTPUTS[request.export] as (value: unknown) => Checked<unknown>;
      return done(checked(instance, check(instance.callJson(request.export, request.input))));
    }
  }
}

function done(value: unknown): TaskOutcome {
  return { reply: { ok: true, value }, transfer: [] };
}

function checked<T>(instance: PluginInstance, result: Checked<T>): T {
  if (!result.ok) throw instance.badOutput(result.problem);
  return result.value;
}

/** One text -> mg_vectorize (UTF-8 in); a batch -> mg_vectorize_batch. Output: f32[count * dims], little-endian. */
function vectorize(instance: PluginInstance, texts: string[], batch: boolean): TaskOutcome {
  const dims = instance.dimensions!;
  const name = batch ? 'mg_vectorize_batch' : 'mg_vectorize';
  const input = batch ? encodeTextBatch(texts) : encoder.encode(texts[0]);
  const bytes = instance.callBytes(name, input);
  const expected = texts.length * dims * 4;
  if (bytes.length !== expected) {
    throw instance.badOutput(`${name} returned ${bytes.length} bytes; ${texts.length} vector(s) of ${dims} float32 are ${expected} bytes`);
  }
  // bytes is a fresh copy that owns its whole buffer: hand that buffer over without copying.
  const vectors = bytes.buffer as ArrayBuffer;
  return { reply: { ok: true, value: { dimensions: dims }, vectors }, transfer: [vectors] };
}

function transform(instance: PluginInstance, texts: string[], batch: boolean): string[][] {
  if (batch && instance.has('mg_transform_batch')) {
    return checked(instance, transformBatchOutput(instance.callJson('mg_transform_batch', { texts }), texts.length));
  }
  return texts.map((text) => checked(instance, transformOutput(instance.callJson('mg_transform', { text }))));
}
