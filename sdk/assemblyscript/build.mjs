// Compiles an AssemblyScript plugin to a modgate WASM module (ABI v1) with the options every
// plugin needs: the incremental GC runtime (memory is reused across calls), the start
// function exported as _initialize, abort routed to mg.log (no env.abort import), -O3.
// Used by each plugin folder's build.mjs:
//
//   import { buildPlugin } from '../../sdk/assemblyscript/build.mjs';
//   await buildPlugin({ entry: 'assembly/index.ts', outFile: 'build/my-plugin.wasm' });
import { mkdir } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ABORT = 'sdk/assemblyscript/assembly/abi/mgAbort';

/**
 * @param {{ entry: string, outFile: string, cwd?: string, textFile?: string, extraArgs?: string[] }} options
 *   entry/outFile/textFile are relative to cwd (default: process.cwd(), the plugin folder).
 */
export async function buildPlugin(options) {
  const cwd = options.cwd ?? process.cwd();
  const fromRoot = (path) => relative(REPO_ROOT, resolve(cwd, path)).split('\\').join('/');
  await mkdir(dirname(resolve(cwd, options.outFile)), { recursive: true });
  const args = [
    fromRoot(options.entry),
    '--baseDir', REPO_ROOT,
    '--outFile', fromRoot(options.outFile),
    '--runtime', 'incremental',
    '--exportStart', '_initialize',
    '--use', `abort=${ABORT}`,
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    ...(options.textFile ? ['--textFile', fromRoot(options.textFile)] : []),
    ...(options.extraArgs ?? []),
  ];
  let output = '';
  const sink = { write: (chunk) => ((output += String(chunk)), true) };
  const { error } = await asc.main(args, { stdout: sink, stderr: sink });
  if (error) throw new Error(`AssemblyScript build of ${options.entry} failed: ${error.message}\n${output}`);
  return resolve(cwd, options.outFile);
}
