// Builds dist/index.mjs: src/index.ts bundled with esbuild into one self-contained ES module.
// Run: node build.mjs   (modgate's `scripts/build-plugins.mjs <folder>` runs this file too)
// The modgate SDK and esbuild come from this folder's node_modules when present, else from the
// modgate installation in MODGATE_HOME (default: the one that created this folder).
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
  throw new Error(`cannot find ${id}: run npm install here, or set MODGATE_HOME to a modgate checkout`);
}

const esbuild = await importTool('esbuild');
await (esbuild.build ?? esbuild.default.build)({
  absWorkingDir: here,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  alias: { '@modgate/sdk': join(modgateHome, 'sdk', 'typescript', 'src', 'index.ts') },
  nodePaths: [join(modgateHome, 'node_modules')],
  logLevel: 'warning',
});
