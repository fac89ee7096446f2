// End to end with the real binary for the gRPC templates, TypeScript and Python (e2e-flow.ts).
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { endToEnd, type E2EPlugin } from './e2e-flow.js';

// The Python template needs Debian's python3-grpcio and python3-grpc-tools (as the bundled
// py-hash-embedder does); without them only the TypeScript one runs, and the skip says why.
const python = spawnSync('/usr/bin/python3', ['-c', 'import grpc, grpc_tools, google.protobuf'], { encoding: 'utf8' });
const havePython = python.status === 0;

const plugins: E2EPlugin[] = [{ name: 'e2e-grpc-ts', runtime: 'grpc', lang: 'ts' }];
if (havePython) plugins.push({ name: 'e2e-grpc-py', runtime: 'grpc', lang: 'python' });

t.test('grpc plugins (TypeScript and Python): publish, serve, install, update under load, remove', (t) => endToEnd(t, plugins));
t.test('the Python template', { skip: havePython ? false : 'needs /usr/bin/python3 with python3-grpcio, python3-grpc-tools, python3-protobuf' }, async (t) => {
  t.ok(plugins.some((p) => p.lang === 'python'), 'ran in the flow above');
});
