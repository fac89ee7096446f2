// Bundles src/server.ts (the SDK, @grpc/grpc-js and the hash-embedder code included) into one
// executable file, dist/server.mjs, and copies the protocol's .proto files beside it so the
// folder runs on its own: `node dist/server.mjs`, or started by the gateway.
import { build } from 'esbuild';
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [join(here, 'src', 'server.ts')],
  outfile: join(dist, 'server.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // Bundled CommonJS dependencies (grpc-js) call require() for Node built-ins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __modgateCreateRequire } from 'node:module';\nconst require = __modgateCreateRequire(import.meta.url);",
  },
});
chmodSync(join(dist, 'server.mjs'), 0o755);
cpSync(join(here, '..', '..', 'proto'), join(dist, 'proto'), { recursive: true });
