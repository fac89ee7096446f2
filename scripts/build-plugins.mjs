// Builds every bundled plugin folder under plugins/ (and any folder given as an argument):
// - native plugins (src/index.ts): bundled with esbuild into one self-contained dist/index.js
// - a folder with its own build.mjs: that script is run from the folder (wasm, grpc, ...)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const roots = process.argv.slice(2);
const folders = roots.length > 0 ? roots.map((r) => resolve(r)) : pluginFolders(resolve('plugins'));

function pluginFolders(root) {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'plugin.yaml')))
    .map((e) => join(root, e.name));
}

for (const dir of folders) {
  if (existsSync(join(dir, 'build.mjs'))) {
    const run = spawnSync(process.execPath, ['build.mjs'], { cwd: dir, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`build of ${dir} failed`);
  } else if (existsSync(join(dir, 'src', 'index.ts'))) {
    await build({
      entryPoints: [join(dir, 'src', 'index.ts')],
      outfile: join(dir, 'dist', 'index.js'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
    });
  }
}
