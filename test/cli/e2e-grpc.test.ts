// End to end with the real binary for the gRPC templates, TypeScript and Python (e2e-flow.ts).
import { spawnSync } from 'node:child_process';
import { readlink } from 'node:fs/promises';
import t from 'tap';
import { endToEnd, type E2EPlugin, type Installed, type Tap } from './e2e-flow.js';

// The Python template needs Debian's python3-grpcio and python3-grpc-tools (as the bundled
// py-hash-embedder does); without them only the TypeScript one runs, and the skip says why.
const python = spawnSync('/usr/bin/python3', ['-c', 'import grpc, grpc_tools, google.protobuf'], { encoding: 'utf8' });
const havePython = python.status === 0;

/** Each plugin's first vector, for comparing the two languages after the flow. */
const vectors = new Map<string, number[]>();

/** The process the gateway started for the plugin runs this executable (Linux /proc). */
async function executableOf(t: Tap, name: string, installed: Installed): Promise<string> {
  const pid = installed.detail.runtimeInfo?.pid;
  t.equal(typeof pid, 'number', `${name}: the gateway reports its process id`);
  return readlink(`/proc/${String(pid)}/exe`);
}

const plugins: E2EPlugin[] = [
  {
    name: 'e2e-grpc-ts',
    runtime: 'grpc',
    lang: 'ts',
    onInstalled: async (t, installed) => {
      vectors.set('ts', installed.vector);
      // dist/server.mjs starts with #!/usr/bin/env node: whichever node PATH names first
      t.match(await executableOf(t, 'e2e-grpc-ts', installed), /\/node[^/]*$/, 'e2e-grpc-ts is served by a Node.js process');
    },
  },
];
if (havePython) {
  plugins.push({
    name: 'e2e-grpc-py',
    runtime: 'grpc',
    lang: 'python',
    onInstalled: async (t, installed) => {
      vectors.set('python', installed.vector);
      t.match(await executableOf(t, 'e2e-grpc-py', installed), /\/python3(\.\d+)?$/, 'e2e-grpc-py is served by a Python process');
    },
  });
}

const title = havePython ? 'TypeScript and Python' : 'TypeScript';
t.test(`grpc plugins (${title}): publish, serve, install, update under load, remove`, async (t) => {
  await endToEnd(t, plugins);
  if (havePython) {
    // Both templates implement the same trigram hashing: the Python process must answer with
    // exactly the TypeScript one's vector (and not, say, an error or a stub).
    t.ok(vectors.get('python')?.some((x) => x !== 0), 'the Python vector is not all zeros');
    t.same(vectors.get('python'), vectors.get('ts'), 'the Python template gives the TypeScript template’s vector');
  }
});
if (!havePython) {
  t.test('the Python template', { skip: 'needs /usr/bin/python3 with python3-grpcio, python3-grpc-tools, python3-protobuf' }, () => undefined);
}
