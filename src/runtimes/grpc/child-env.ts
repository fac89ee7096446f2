// The environment a plugin process starts with: only what a program needs to run plus the
// launch contract's variables. Never the gateway's own environment (it holds the admin token,
// API keys and whatever else the operator exported).
import { ENV, MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSION } from './protocol.js';

/** Variables passed through from the gateway when set (locale, time zone, temp folder). */
export const PASSED_THROUGH = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'] as const;

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface ChildEnvRequest {
  pluginName: string;
  socketDir: string;
  /** The plugin's private writable folder; it becomes HOME. */
  home: string;
  /** The gateway's environment to take PATH and the locale from. */
  parent?: NodeJS.ProcessEnv;
}

export function childEnv(request: ChildEnvRequest): Record<string, string> {
  const parent = request.parent ?? process.env;
  const env: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = parent[key];
    if (value !== undefined && value !== '') env[key] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  env.LANG ??= 'C.UTF-8';
  env.HOME = request.home;
  // Python plugins: output line by line, so their log lines arrive when they are written; and
  // no __pycache__ written into the plugin folder (an installed version's files never change).
  env.PYTHONUNBUFFERED = '1';
  env.PYTHONDONTWRITEBYTECODE = '1';
  // glibc reserves 64 MiB of address space per malloc arena and makes up to 8 per core, so under
  // the address-space limit (resources.memory) a threaded plugin on a many-core machine fails to
  // start threads while using little real memory. Two arenas keep the limit about real memory.
  env.MALLOC_ARENA_MAX = '2';
  env[ENV.magicCookie] = MAGIC_COOKIE_VALUE;
  env[ENV.protocolVersions] = String(PLUGIN_PROTOCOL_VERSION);
  env[ENV.socketDir] = request.socketDir;
  env[ENV.pluginName] = request.pluginName;
  return env;
}
