// name -> the active handle of that plugin. Swapping is a single Map write, so a call that
// looks a plugin up always gets one whole version, never a mix.
import { ModgateError } from '../errors.js';
import type { Lease, PluginHandle } from './lifecycle.js';
import type { PluginType } from './types.js';

/** A plugin folder that could not even be read as a plugin (bad manifest). */
export interface BrokenPlugin {
  name: string;
  dir: string;
  reason: string;
}

export class Registry {
  private readonly handles = new Map<string, PluginHandle>();
  private readonly broken = new Map<string, BrokenPlugin>();

  get(name: string): PluginHandle | undefined {
    return this.handles.get(name);
  }

  has(name: string): boolean {
    return this.handles.has(name) || this.broken.has(name);
  }

  require(name: string): PluginHandle {
    const handle = this.handles.get(name);
    if (handle) return handle;
    const broken = this.broken.get(name);
    if (broken) {
      throw new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${name}" failed to load: ${broken.reason}`, {
        retryAfter: 30,
      });
    }
    throw notFound(name);
  }

  findBroken(name: string): BrokenPlugin | undefined {
    return this.broken.get(name);
  }

  /** Makes `handle` the active version of its plugin and returns the one it replaced. */
  swap(handle: PluginHandle): PluginHandle | undefined {
    const previous = this.handles.get(handle.name);
    this.handles.set(handle.name, handle);
    this.broken.delete(handle.name);
    return previous;
  }

  remove(name: string): PluginHandle | undefined {
    const previous = this.handles.get(name);
    this.handles.delete(name);
    this.broken.delete(name);
    return previous;
  }

  recordBroken(entry: BrokenPlugin): void {
    if (!this.handles.has(entry.name)) this.broken.set(entry.name, entry);
  }

  list(): PluginHandle[] {
    return [...this.handles.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  listBroken(): BrokenPlugin[] {
    return [...this.broken.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Looks up the active handle and takes a lease on it in the same synchronous step. */
  lease<T extends PluginType>(name: string, type: T): Lease<T> {
    return this.requireType(name, type).acquire<T>();
  }

  /** Typed access to the active handle; fails clearly when the plugin has another type. */
  requireType(name: string, type: PluginType): PluginHandle {
    const handle = this.require(name);
    if (handle.type !== type) {
      throw new ModgateError(
        'MODGATE_UNSUPPORTED_OPERATION',
        `plugin "${name}" is ${withArticle(handle.type)}; this operation needs ${withArticle(type)}`,
      );
    }
    return handle;
  }
}

/** "a vectorizer", "an auth". */
function withArticle(type: PluginType): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

export function notFound(name: string): ModgateError {
  return new ModgateError('MODGATE_PLUGIN_NOT_FOUND', `no plugin named "${name}" is installed (GET /plugins lists them)`);
}
