// Which operations each plugin type must implement, and the check that an object a runtime
// produced really does implement them (so a broken plugin fails at load, not at first call).
import { ModgateError } from '../errors.js';
import type { PluginApiByType, PluginType } from './types.js';

export const REQUIRED_METHODS: { readonly [T in PluginType]: readonly string[] } = {
  vectorizer: ['vectorize', 'vectorizeBatch'],
  transformer: ['transform', 'transformBatch'],
  reranker: ['rerank'],
  generator: ['generate'],
  storage: ['put', 'get', 'delete', 'list'],
  auth: ['authenticate', 'authorize'],
};

export function assertImplements<T extends PluginType>(type: T, candidate: unknown, pluginName: string): PluginApiByType[T] {
  if (typeof candidate !== 'object' || candidate === null) {
    throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${pluginName}" did not produce an object implementing ${type}`);
  }
  const record = candidate as Record<string, unknown>;
  const missing = REQUIRED_METHODS[type].filter((method) => typeof record[method] !== 'function');
  if (type === 'vectorizer') {
    const dims = record.dimensions;
    if (typeof dims !== 'number' || !Number.isInteger(dims) || dims <= 0) missing.push('dimensions (a positive integer)');
  }
  if (missing.length > 0) {
    throw new ModgateError(
      'MODGATE_PLUGIN_LOAD_FAILED',
      `plugin "${pluginName}" is a ${type} but does not implement: ${missing.join(', ')}`,
    );
  }
  return candidate as PluginApiByType[T];
}
