// Which bundled plugin each runtime's cases call. Native and WASM cases name their folders
// (hash-embedder and bm25-reranker, and their -wasm ports);
// gRPC vectorizers are found by their manifest (runtime grpc, type vectorizer) and told apart
// by language: a folder holding Python sources or started with python is the Python one.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest, type Manifest } from '../src/core/manifest.js';
import type { Operation, TargetId } from './cases.js';

export interface Target {
  id: Exclude<TargetId, 'baseline'>;
  label: string;
  /** Plugin name per operation; absent = that operation is not benchmarked for this runtime. */
  plugins: Partial<Record<Operation, string>>;
  /** Why the runtime's cases are skipped (its plugin folder does not exist). */
  missing?: string;
}

interface Found {
  folder: string;
  manifest: Manifest;
}

function bundled(pluginsDir: string): Found[] {
  const found: Found[] = [];
  for (const entry of readdirSync(pluginsDir, { withFileTypes: true })) {
    const manifestPath = join(pluginsDir, entry.name, 'plugin.yaml');
    if (!existsSync(manifestPath)) continue;
    try {
      found.push({ folder: entry.name, manifest: parseManifest(readFileSync(manifestPath)) });
    } catch {
      // A folder with a broken manifest is reported by the gateway itself; it is no candidate.
    }
  }
  return found.sort((a, b) => a.folder.localeCompare(b.folder));
}

function isPython(pluginsDir: string, found: Found): boolean {
  const dir = join(pluginsDir, found.folder);
  const launch = [found.manifest.spec.binary ?? '', ...((found.manifest.spec as { args?: string[] }).args ?? [])].join(' ');
  if (/python|\.py\b/.test(launch)) return true;
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).some(
    (f) => !f.includes('node_modules') && (f.endsWith('.py') || f.endsWith('requirements.txt') || f.endsWith('pyproject.toml')),
  );
}

function byFolder(pluginsDir: string, folder: string): { plugin?: string; missing?: string } {
  const manifestPath = join(pluginsDir, folder, 'plugin.yaml');
  if (!existsSync(manifestPath)) return { missing: `plugins/${folder} does not exist` };
  try {
    return { plugin: parseManifest(readFileSync(manifestPath)).metadata.name };
  } catch {
    // The folder exists: let the gateway report why it does not load (the case then fails).
    return { plugin: folder };
  }
}

export function findTargets(pluginsDir: string, fixturesDir: string): Target[] {
  const all = bundled(pluginsDir);
  const native = byFolder(pluginsDir, 'hash-embedder');
  const reranker = byFolder(pluginsDir, 'bm25-reranker');
  const wasm = byFolder(pluginsDir, 'hash-embedder-wasm');
  const wasmReranker = byFolder(pluginsDir, 'bm25-reranker-wasm');
  const grpcVectorizers = all.filter((f) => f.manifest.spec.runtime === 'grpc' && f.manifest.spec.type === 'vectorizer');
  // Prefer a hash-embedder port (same vectors as the native one) when there are several.
  const prefer = (list: Found[]) => list.find((f) => f.folder.includes('hash')) ?? list[0];
  const grpcPy = prefer(grpcVectorizers.filter((f) => isPython(pluginsDir, f)));
  const grpcTs = prefer(grpcVectorizers.filter((f) => !isPython(pluginsDir, f)));
  const grpc = (found: Found | undefined, language: string): Pick<Target, 'plugins' | 'missing'> =>
    found
      ? { plugins: { vectorize: found.manifest.metadata.name } }
      : { plugins: {}, missing: `no ${language} gRPC vectorizer folder in plugins/ (runtime: grpc, type: vectorizer)` };
  const memo = byFolder(fixturesDir, 'memo-embedder');
  return [
    {
      id: 'native-cached',
      label: 'native, cached',
      plugins: memo.plugin ? { vectorize: memo.plugin } : {},
      missing: memo.missing && `bench/fixtures/memo-embedder does not exist`,
    },
    {
      id: 'native',
      label: 'native',
      plugins: { ...(native.plugin ? { vectorize: native.plugin } : {}), ...(reranker.plugin ? { rerank: reranker.plugin } : {}) },
      missing: native.missing,
    },
    {
      id: 'wasm',
      label: 'WASM',
      plugins: { ...(wasm.plugin ? { vectorize: wasm.plugin } : {}), ...(wasmReranker.plugin ? { rerank: wasmReranker.plugin } : {}) },
      missing: wasm.missing,
    },
    { id: 'grpc-ts', label: 'gRPC (TypeScript)', ...grpc(grpcTs, 'TypeScript') },
    { id: 'grpc-py', label: 'gRPC (Python)', ...grpc(grpcPy, 'Python') },
  ];
}
