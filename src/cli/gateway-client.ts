// The slice of the gateway's admin API the CLI uses: list, describe, upload (install / new
// version), remove. Errors keep the gateway's code and message.
import { CliError } from './cli-error.js';
import { networkReason } from './registry-client.js';

export interface InstalledPlugin {
  name: string;
  version: string | null;
  type: string | null;
  runtime: string | null;
  state: string;
  description?: string;
  failure?: string;
}

export interface GatewayOptions {
  url: string | undefined;
  token?: string;
  timeoutMs?: number;
}

export const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';

export class GatewayClient {
  readonly url: string;
  private readonly token?: string;
  private readonly timeoutMs: number;

  constructor(options: GatewayOptions) {
    const raw = options.url && options.url.trim() !== '' ? options.url : DEFAULT_GATEWAY;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new CliError('USAGE', `gateway URL "${raw}" is not a URL (e.g. http://127.0.0.1:8080); set --gateway or MODGATE_GATEWAY`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError('USAGE', `gateway URL "${raw}" must be http(s)`);
    this.url = parsed.href.replace(/\/+$/, '');
    if (options.token) this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  async list(): Promise<InstalledPlugin[]> {
    const body = (await this.request('GET', '/plugins')) as { plugins?: InstalledPlugin[] };
    if (!Array.isArray(body?.plugins)) throw new CliError('GATEWAY_REFUSED', `${this.url}/plugins did not answer a plugin list; is this a modgate gateway?`);
    return body.plugins;
  }

  /** undefined when the gateway has no such plugin. */
  async get(name: string): Promise<InstalledPlugin | undefined> {
    try {
      return (await this.request('GET', `/plugins/${encodeURIComponent(name)}`)) as InstalledPlugin;
    } catch (err) {
      if (err instanceof CliError && (err.details as { statusCode?: number } | undefined)?.statusCode === 404) return undefined;
      throw err;
    }
  }

  /** The gateway's own version (for `modgate` dependencies), from its OpenAPI document. */
  async version(): Promise<string | undefined> {
    try {
      const doc = (await this.request('GET', '/docs/json')) as { info?: { version?: unknown } };
      return typeof doc?.info?.version === 'string' ? doc.info.version : undefined;
    } catch {
      return undefined;
    }
  }

  /** POST /plugins: installs a new plugin from a bundle. */
  install(bundle: Uint8Array, fileName: string, sha256: string): Promise<InstalledPlugin> {
    return this.upload('POST', '/plugins', bundle, fileName, sha256);
  }

  /** PUT /plugins/:name: a new version of an installed plugin, hot-reloaded. */
  upgrade(name: string, bundle: Uint8Array, fileName: string, sha256: string): Promise<InstalledPlugin> {
    return this.upload('PUT', `/plugins/${encodeURIComponent(name)}`, bundle, fileName, sha256);
  }

  async remove(name: string): Promise<void> {
    await this.request('DELETE', `/plugins/${encodeURIComponent(name)}`, undefined, true);
  }

  private async upload(method: string, route: string, bundle: Uint8Array, fileName: string, sha256: string): Promise<InstalledPlugin> {
    const form = new FormData();
    // The digest goes first so the gateway knows it before the file streams in.
    form.append('sha256', sha256);
    form.append('bundle', new Blob([bundle], { type: 'application/gzip' }), fileName);
    return (await this.request(method, route, form, true)) as InstalledPlugin;
  }

  private async request(method: string, route: string, body?: FormData, admin = false): Promise<unknown> {
    const url = `${this.url}${route}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    else if (admin) {
      throw new CliError('USAGE', `${method} ${route} needs the gateway's admin token: pass --token or set MODGATE_ADMIN_TOKEN`);
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new CliError('GATEWAY_UNREACHABLE', `cannot reach the gateway at ${this.url}: ${networkReason(err)}`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok) return json;
    const error = (json ?? {}) as { code?: string; message?: string; details?: unknown };
    const what = error.code ? `${response.status} ${error.code}` : `${response.status} ${response.statusText}`;
    throw new CliError('GATEWAY_REFUSED', `the gateway refused ${method} ${route} (${what}): ${error.message ?? (text.slice(0, 500) || 'no message')}`, {
      statusCode: response.status,
      code: error.code,
      details: error.details,
    });
  }
}
