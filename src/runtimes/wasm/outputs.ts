// The JSON shapes a WASM plugin's structured operations must return (ABI v1, sdk/ABI.md).
// Each check returns the typed value or a message saying what was wrong; the caller turns
// the message into MODGATE_PLUGIN_BAD_OUTPUT.
import type { AuthDecision, Identity, ObjectInfo, RerankHit } from '../../core/types.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(problem: string): Checked<T> => ({ ok: false, problem });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** mg_transform: {"texts": [string...]} */
export function transformOutput(value: unknown): Checked<string[]> {
  if (!isObject(value) || !isStringArray(value.texts)) return bad('mg_transform must return {"texts": [string, ...]}');
  return ok(value.texts);
}

/** mg_transform_batch: {"outputs": [[string...], ...]} with one entry per input. */
export function transformBatchOutput(value: unknown, count: number): Checked<string[][]> {
  if (!isObject(value) || !Array.isArray(value.outputs) || !value.outputs.every(isStringArray)) {
    return bad('mg_transform_batch must return {"outputs": [[string, ...], ...]}');
  }
  if (value.outputs.length !== count) return bad(`mg_transform_batch returned ${value.outputs.length} outputs for ${count} inputs`);
  return ok(value.outputs as string[][]);
}

/** mg_rerank: {"results": [{"index": int, "score": number}, ...]} (ranges are checked by the core). */
export function rerankOutput(value: unknown): Checked<RerankHit[]> {
  if (!isObject(value) || !Array.isArray(value.results)) return bad('mg_rerank must return {"results": [{"index": ..., "score": ...}, ...]}');
  const hits: RerankHit[] = [];
  for (const [i, hit] of value.results.entries()) {
    if (!isObject(hit) || typeof hit.index !== 'number' || typeof hit.score !== 'number') {
      return bad(`mg_rerank results[${i}] must be {"index": number, "score": number}`);
    }
    hits.push({ index: hit.index, score: hit.score });
  }
  return ok(hits);
}

/** mg_generate: {"text": string} */
export function generateOutput(value: unknown): Checked<string> {
  if (!isObject(value) || typeof value.text !== 'string') return bad('mg_generate must return {"text": string}');
  return ok(value.text);
}

export interface WireObject {
  value: Uint8Array;
  contentType: string;
}

/** mg_get: {"found": false} or {"found": true, "value": base64, "contentType": string} */
export function getOutput(value: unknown): Checked<WireObject | null> {
  if (!isObject(value) || typeof value.found !== 'boolean') return bad('mg_get must return {"found": boolean, ...}');
  if (!value.found) return ok(null);
  if (typeof value.value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value.value)) return bad('mg_get "value" must be base64 text');
  const contentType = typeof value.contentType === 'string' ? value.contentType : 'application/octet-stream';
  return ok({ value: new Uint8Array(Buffer.from(value.value, 'base64')), contentType });
}

/** mg_put: any JSON object (e.g. {}) */
export function putOutput(value: unknown): Checked<void> {
  return isObject(value) ? ok(undefined) : bad('mg_put must return a JSON object, e.g. {}');
}

/** mg_delete: {"deleted": boolean} */
export function deleteOutput(value: unknown): Checked<boolean> {
  if (!isObject(value) || typeof value.deleted !== 'boolean') return bad('mg_delete must return {"deleted": boolean}');
  return ok(value.deleted);
}

/** mg_list: {"objects": [{"key": string, "size": number, "contentType": string}, ...]} */
export function listOutput(value: unknown): Checked<ObjectInfo[]> {
  if (!isObject(value) || !Array.isArray(value.objects)) return bad('mg_list must return {"objects": [...]}');
  const objects: ObjectInfo[] = [];
  for (const [i, o] of value.objects.entries()) {
    if (!isObject(o) || typeof o.key !== 'string' || typeof o.size !== 'number' || typeof o.contentType !== 'string') {
      return bad(`mg_list objects[${i}] must be {"key": string, "size": number, "contentType": string}`);
    }
    objects.push({ key: o.key, size: o.size, contentType: o.contentType });
  }
  return ok(objects);
}

/** mg_authenticate: {"identity": null} or {"identity": {"subject": string, "roles": [string], "claims"?: object}} */
export function authenticateOutput(value: unknown): Checked<Identity | null> {
  if (!isObject(value) || !('identity' in value)) return bad('mg_authenticate must return {"identity": {...} or null}');
  const identity = value.identity;
  if (identity === null) return ok(null);
  if (!isObject(identity) || typeof identity.subject !== 'string' || !isStringArray(identity.roles)) {
    return bad('mg_authenticate "identity" must be {"subject": string, "roles": [string, ...]}');
  }
  if (identity.claims !== undefined && !isObject(identity.claims)) return bad('mg_authenticate "identity.claims" must be an object');
  return ok({ subject: identity.subject, roles: identity.roles, ...(identity.claims ? { claims: identity.claims } : {}) });
}

/** mg_authorize: {"allowed": boolean, "reason"?: string} */
export function authorizeOutput(value: unknown): Checked<AuthDecision> {
  if (!isObject(value) || typeof value.allowed !== 'boolean') return bad('mg_authorize must return {"allowed": boolean, "reason"?: string}');
  if (value.reason !== undefined && typeof value.reason !== 'string') return bad('mg_authorize "reason" must be a string');
  return ok({ allowed: value.allowed, ...(value.reason !== undefined ? { reason: value.reason as string } : {}) });
}

export const JSON_OUTPUTS = {
  mg_rerank: rerankOutput,
  mg_generate: generateOutput,
  mg_put: putOutput,
  mg_get: getOutput,
  mg_delete: deleteOutput,
  mg_list: listOutput,
  mg_authenticate: authenticateOutput,
  mg_authorize: authorizeOutput,
} as const;

export type JsonExport = keyof typeof JSON_OUTPUTS;
