// Puts the modgate Python SDK, with protocol stubs generated from proto/ by
// grpc_tools.protoc, into dist/ (server.py imports it from there), using /usr/bin/python3
// (Debian's python3-grpcio, python3-grpc-tools, python3-protobuf). Without them the build
// says what to install and leaves dist/ empty: the plugin then fails to load with that
// message, and the other plugins build and run as usual.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
const run = spawnSync('/usr/bin/python3', [join(here, '..', '..', 'sdk', 'python', 'build.py'), '--out', dist], { encoding: 'utf8' });
if (run.error || run.status !== 0) {
  const why = run.error ? run.error.message : run.stderr.trim();
  console.warn(`py-hash-embedder NOT built: ${why}`);
  rmSync(dist, { recursive: true, force: true });
}
