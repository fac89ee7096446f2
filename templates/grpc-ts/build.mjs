// Builds dist/server.mjs: src/server.ts bundled with esbuild (the modgate SDK and @grpc/grpc-js
// included) into one executable file, and copies the protocol's .proto files beside it, so the
// folder runs on its own. Run: node build.mjs (modgate's scripts/build-plugins.mjs runs it too)
// The SDK, esbuild and grpc come from this folder's node_modules when present, else from the
// modgate installation in MODGATE_HOME (default: the one that created this folder).
import { chmod, cp, rm } from 'node:fs/promises';
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
const dist = join(here, 'dist');
await rm(dist, { recursive: true, force: true });
await (esbuild.build ?? esbuild.default.build)({
  absWorkingDir: here,
  entryPoints: ['src/server.ts'],
  outfile: 'dist/server.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  alias: { '@modgate/sdk': join(modgateHome, 'sdk', 'typescript', 'src', 'index.ts') },
  nodePaths: [join(modgateHome, 'node_modules')],
  logLevel: 'warning',
  // The gateway runs the file as a program; bundled CommonJS (grpc-js) needs require().
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __modgateCreateRequire } from 'node:module';\nconst require = __modgateCreateRequire(import.meta.url);",
  },
});
await chmod(join(dist, 'server.mjs'), 0o755);
await cp(join(modgateHome, 'proto'), join(dist, 'proto'), { recursive: true });
