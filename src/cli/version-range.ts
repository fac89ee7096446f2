// `name@range` specs and picking the version to install: the highest one the range allows.
import semver from 'semver';
import { PLUGIN_NAME_PATTERN } from '../core/manifest.js';
import { CliError } from './cli-error.js';

const NAME_RE = new RegExp(PLUGIN_NAME_PATTERN);

export interface PluginSpec {
  name: string;
  /** A semver range; `*` when none was given. */
  range: string;
  /** True when the user wrote a range (so `update` honours it instead of ^installed). */
  explicit: boolean;
}

/** `hash-embedder`, `hash-embedder@^1.2.0`, `hash-embedder@1.x`, `hash-embedder@latest`. */
export function parsePluginSpec(spec: string): PluginSpec {
  const at = spec.indexOf('@');
  const name = at === -1 ? spec : spec.slice(0, at);
  const rawRange = at === -1 ? '' : spec.slice(at + 1).trim();
  if (!NAME_RE.test(name)) {
    throw new CliError('USAGE', `"${name}" is not a plugin name (lowercase letters, digits and dashes, e.g. hash-embedder@^1.0.0)`);
  }
  if (rawRange === '' || rawRange === 'latest') return { name, range: '*', explicit: rawRange !== '' };
  if (semver.validRange(rawRange) === null) {
    throw new CliError('USAGE', `"${rawRange}" is not a semver range (e.g. ^1.2.0, ~1.2, 1.x, >=1.0.0 <2.0.0)`);
  }
  return { name, range: rawRange, explicit: true };
}

/** The highest of `versions` inside `range` (pre-releases only when the range names one). */
export function pickVersion(versions: readonly string[], range: string): string | undefined {
  return semver.maxSatisfying([...versions], range) ?? undefined;
}

/** The range `update` stays inside when none is given: same major (same minor for 0.x). */
export function defaultUpdateRange(installed: string): string {
  return `^${installed}`;
}

export function requireVersion(name: string, versions: readonly string[], range: string): string {
  const picked = pickVersion(versions, range);
  if (picked === undefined) {
    const available = versions.length > 0 ? [...versions].sort(semver.compare).join(', ') : 'none';
    throw new CliError('NO_MATCHING_VERSION', `no version of ${name} satisfies ${range} (available: ${available})`);
  }
  return picked;
}
