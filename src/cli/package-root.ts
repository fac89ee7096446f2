// The modgate installation folder (the one holding package.json, templates/ and sdk/), found
// from this file so it works from src/ (tsx) and from dist/ (compiled) alike.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = import.meta.dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'modgate') return (cached = dir);
      } catch {
        // not ours; keep climbing
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the modgate installation above ${import.meta.dirname}`);
    dir = parent;
  }
}
