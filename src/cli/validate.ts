// `modgate plugin validate`: the checks the gateway makes when it loads a plugin folder
// (readManifest, assertInsidePluginDir), plus per-runtime artifact checks, with every problem
// listed instead of the first.
import { readFile, stat } from 'node:fs/promises';
import { assertInsidePluginDir, readManifest, resolveLimits, type Manifest, type ManifestProblem } from '../core/manifest.js';
import { isModgateError, messageOf } from '../errors.js';
import { ModuleRefused, prepareModule } from '../runtimes/wasm/prepare.js';

export interface ValidationReport {
  dir: string;
  manifest?: Manifest;
  problems: string[];
}

/** The problem messages inside a manifest error (every one of them), or its message. */
export function manifestProblems(err: unknown): string[] {
  if (isModgateError(err) && Array.isArray(err.details)) {
    const list = (err.details as ManifestProblem[]).map((p) => p.message).filter((m) => typeof m === 'string');
    if (list.length > 0) return list;
  }
  return [messageOf(err)];
}

export async function validatePluginDir(dir: string): Promise<ValidationReport> {
  let manifest: Manifest;
  try {
    manifest = await readManifest(dir);
  } catch (err) {
    return { dir, problems: manifestProblems(err) };
  }
  const problems: string[] = [];
  const binary = manifest.spec.binary;
  if (binary !== undefined) {
    const file = await assertInsidePluginDir(dir, binary); // readManifest already proved this holds
    problems.push(...(await artifactProblems(manifest, binary, file)));
  }
  return { dir, manifest, problems };
}

async function artifactProblems(manifest: Manifest, binary: string, file: string): Promise<string[]> {
  switch (manifest.spec.runtime) {
    case 'native':
      return /\.(m?js|cjs|node)$/.test(binary)
        ? []
        : [`spec.binary: ${JSON.stringify(binary)} should be a JavaScript module (.js, .mjs, .cjs) or an N-API addon (.node)`];
    case 'grpc': {
      const info = await stat(file);
      return info.mode & 0o111
        ? []
        : [`spec.binary: ${JSON.stringify(binary)} is not executable (chmod +x it; the gateway starts it as a program)`];
    }
    case 'wasm':
      // The WASM runtime's own load-time check: ABI v1 exports and signatures, allowed
      // imports only, one memory that fits resources.memory.
      try {
        await prepareModule(await readFile(file), manifest.spec.type, resolveLimits(manifest).memoryBytes);
        return [];
      } catch (err) {
        if (err instanceof ModuleRefused) return err.problems.map((problem) => `spec.binary: ${JSON.stringify(binary)}: ${problem}`);
        throw err;
      }
  }
}
