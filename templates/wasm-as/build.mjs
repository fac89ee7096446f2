// Compiles assembly/index.ts to build/{{name}}.wasm with the AssemblyScript compiler, using the
// options a modgate module needs (the same as the SDK's sdk/assemblyscript/build.mjs): the
// incremental GC runtime, the start function exported as _initialize, abort routed to
// mg.log (no env.abort import, which the sandbox refuses), -O3.
// Run: node build.mjs   (modgate's `scripts/build-plugins.mjs <folder>` runs this file too)
// The compiler comes from this folder's node_modules when present, else from the modgate
// installation in MODGATE_HOME (default: the one that created this folder).
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modgateHome = process.env.MODGATE_HOME ?? {{modgateHomeJson}};

async function importTool(id) {
  for (const base of [join(here, 'package.json'), join(modgateHome, 'package.json')]) {
    try {
      return await import(pathToFileURL(createRequire(base).resolve(id)).href);
    } catch {}
  }
  throw new Error(`cannot find ${id}: run npm install assemblyscript here, or set MODGATE_HOME to a modgate checkout`);
}

// assemblyscript/asc is import-only; its file is reachable through the package's "./*" export.
const asc = (await importTool('assemblyscript/dist/asc.js')).default;
await mkdir(join(here, 'build'), { recursive: true });
let output = '';
const sink = { write: (chunk) => ((output += String(chunk)), true) };
const { error } = await asc.main(
  [
    'assembly/index.ts',
    '--baseDir', here,
    '--outFile', 'build/{{name}}.wasm',
    '--runtime', 'incremental',
    '--exportStart', '_initialize',
    '--use', 'abort=assembly/modgate/abi/mgAbort',
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
  ],
  { stdout: sink, stderr: sink },
);
if (error) {
  console.error(output);
  throw new Error(`AssemblyScript build failed: ${error.message}`);
}
