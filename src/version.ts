import { readFileSync } from 'node:fs';

// Works from src/ (tests, tsx) and from dist/src/ (npm start): the nearest package.json up.
function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'modgate' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return '0.0.0';
}

export const GATEWAY_VERSION = readVersion();
