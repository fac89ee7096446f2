// init, validate, pack, sign, verify, publish and keygen through the command line (in-process).
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { readBundle } from '../../src/cli/bundle-read.js';
import { parseIndex } from '../../src/cli/registry-index.js';
import { REPO_ROOT } from '../helpers/app.js';
import { MINIMAL_NATIVE_MANIFEST, cli, rawTgz, tempDir } from './helpers.js';

t.test('init scaffolds a native plugin that builds, validates and packs', async (t) => {
  const dir = await tempDir(t);
  const folder = path.join(dir, 'my-embedder');
  const init = await cli(['plugin', 'init', 'my-embedder', '--type', 'vectorizer', '--runtime', 'native', '--dir', folder, '--author', 'Ada "Quotes" L.', '--json']);
  t.equal(init.code, 0, init.stdout + init.stderr);
  t.match(init.json(), { ok: true, template: 'native-ts', built: true, files: ['README.md', 'build.mjs', 'plugin.yaml', 'src/index.ts'] });
  t.ok((await stat(path.join(folder, 'dist', 'index.mjs'))).isFile(), 'built');
  const manifest = await readFile(path.join(folder, 'plugin.yaml'), 'utf8');
  t.match(manifest, /name: my-embedder/);
  t.match(manifest, /author: "Ada \\"Quotes\\" L\."/, 'author is quoted safely');

  const validate = await cli(['plugin', 'validate', folder]);
  t.equal(validate.code, 0, validate.stderr);
  t.match(validate.stdout, /valid native vectorizer my-embedder@0\.1\.0/);

  const plugin = (await import(path.join(folder, 'dist', 'index.mjs'))) as { default: { type: string; create(host: unknown): Promise<{ dimensions: number; vectorize(text: string): Promise<Float32Array> }> } };
  t.equal(plugin.default.type, 'vectorizer');
  const impl = await plugin.default.create({ config: { dimensions: 16 }, log: { info() {}, warn() {}, error() {}, debug() {} }, dataDir: dir });
  const vector = await impl.vectorize('hello world');
  t.equal(vector.length, 16);
  t.equal(Math.round(vector.reduce((s, x) => s + x * x, 0) * 1e6) / 1e6, 1, 'L2-normalised');
  t.strictSame([...(await impl.vectorize('hello world'))], [...vector], 'deterministic');

  const bundleFile = path.join(dir, 'out.tgz');
  const pack = await cli(['plugin', 'pack', folder, '--out', bundleFile, '--json']);
  t.equal(pack.code, 0, pack.stderr);
  t.match(pack.json(), { name: 'my-embedder', version: '0.1.0', sha256: /^[0-9a-f]{64}$/, files: ['README.md', 'build.mjs', 'dist/index.mjs', 'plugin.yaml', 'src/index.ts'] });
  t.equal((await readBundle(await readFile(bundleFile))).manifest.metadata.name, 'my-embedder');
});

t.test('init scaffolds a wasm plugin whose module passes the runtime ABI check', async (t) => {
  const folder = path.join(await tempDir(t), 'my-wasm');
  const init = await cli(['plugin', 'init', 'my-wasm', '--type', 'vectorizer', '--runtime', 'wasm', '--dir', folder]);
  t.equal(init.code, 0, init.stderr);
  t.ok((await stat(path.join(folder, 'assembly', 'modgate', 'abi.ts'))).isFile(), 'the SDK is copied in');
  t.ok((await stat(path.join(folder, 'build', 'my-wasm.wasm'))).isFile(), 'built');
  const validate = await cli(['plugin', 'validate', folder, '--json']);
  t.equal(validate.code, 0, validate.stdout);
  t.match(validate.json(), { valid: true, runtime: 'wasm', problems: [] });

  // Declaring another type makes the ABI check fail on the module's exports.
  const manifestFile = path.join(folder, 'plugin.yaml');
  await writeFile(manifestFile, (await readFile(manifestFile, 'utf8')).replace('type: vectorizer', 'type: reranker'));
  const wrong = await cli(['plugin', 'validate', folder]);
  t.equal(wrong.code, 1);
  t.match(wrong.stdout, /lacks the export "mg_rerank" that a reranker plugin needs/);
});

t.test('init refuses what it cannot do', async (t) => {
  const dir = await tempDir(t);
  const cases: Array<[string[], RegExp]> = [
    [['Bad_Name', '--type', 'vectorizer', '--runtime', 'native'], /"Bad_Name" is not a plugin name/],
    [['ok-name', '--type', 'embedder', '--runtime', 'native'], /--type must be one of vectorizer, transformer/],
    [['ok-name', '--type', 'vectorizer', '--runtime', 'java'], /--runtime must be one of wasm, grpc, native/],
    [['ok-name', '--type', 'vectorizer', '--runtime', 'native', '--lang', 'rust'], /no native template for --lang rust \(available: ts\)/],
    [['ok-name', '--type', 'reranker', '--runtime', 'native'], /covers --type vectorizer, not reranker/],
  ];
  for (const [args, message] of cases) {
    const run = await cli(['plugin', 'init', ...args, '--dir', path.join(dir, 'x')]);
    t.equal(run.code, 2, args.join(' '));
    t.match(run.stderr, message);
  }
  await mkdir(path.join(dir, 'taken'));
  await writeFile(path.join(dir, 'taken', 'file'), 'x');
  const taken = await cli(['plugin', 'init', 'taken', '--type', 'vectorizer', '--runtime', 'native', '--dir', path.join(dir, 'taken')]);
  t.equal(taken.code, 2);
  t.match(taken.stderr, /already exists and is not empty/);
  const missingFlag = await cli(['plugin', 'init', 'x']);
  t.equal(missingFlag.code, 2);
  t.match(missingFlag.stderr, /required option '--type <type>' not specified/);
});

t.test('validate lists every problem and exits 1', async (t) => {
  const dir = path.join(await tempDir(t), 'broken');
  await mkdir(dir);
  await writeFile(
    path.join(dir, 'plugin.yaml'),
    `apiVersion: modgate.io/v1
kind: Plugin
metadata: { name: broken, version: 1.0.0 }
spec:
  type: vectorizer
  runtime: native
  binary: ./missing.mjs
  resources: { memory: 2Gx, timeout: forever }
`,
  );
  const run = await cli(['plugin', 'validate', dir, '--json']);
  t.equal(run.code, 1);
  const { problems } = run.json<{ problems: string[] }>();
  t.equal(problems.length, 2, 'both resource problems');
  t.match(problems.join('\n'), /spec\.resources\.memory/);
  t.match(problems.join('\n'), /spec\.resources\.timeout/);

  await writeFile(path.join(dir, 'plugin.yaml'), MINIMAL_NATIVE_MANIFEST('broken', '1.0.0').replace('./index.mjs', './missing.mjs'));
  const missing = await cli(['plugin', 'validate', dir]);
  t.equal(missing.code, 1);
  t.match(missing.stdout, /1 problem\n {2}- spec\.binary: "\.\/missing\.mjs" does not exist in the plugin folder/);

  const grpc = path.join(await tempDir(t), 'grpc');
  await mkdir(grpc);
  await writeFile(path.join(grpc, 'plugin.yaml'), MINIMAL_NATIVE_MANIFEST('g', '1.0.0').replace('runtime: native', 'runtime: grpc').replace('./index.mjs', './server'));
  await writeFile(path.join(grpc, 'server'), '#!/bin/sh\n');
  const notExecutable = await cli(['plugin', 'validate', grpc]);
  t.equal(notExecutable.code, 1);
  t.match(notExecutable.stdout, /spec\.binary: "\.\/server" is not executable/);
  await chmod(path.join(grpc, 'server'), 0o755);
  t.equal((await cli(['plugin', 'validate', grpc])).code, 0);

  t.equal((await cli(['plugin', 'validate', path.join(dir, 'nope')])).code, 2, 'a path that does not exist is a usage error');
  const pack = await cli(['plugin', 'pack', dir]);
  t.equal(pack.code, 1, 'an invalid folder is not packed');
  t.match(pack.stderr, /cannot pack .*does not exist in the plugin folder/);
});

t.test('validate checks a bundle file with the bundle rules first', async (t) => {
  const dir = await tempDir(t);
  const good = path.join(dir, 'good.tgz');
  await writeFile(good, rawTgz([{ path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST() }, { path: 'index.mjs', data: 'export default {}' }]));
  const ok = await cli(['plugin', 'validate', good]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /good\.tgz: valid native vectorizer tiny@1\.0\.0/);
  const evil = path.join(dir, 'evil.tgz');
  await writeFile(evil, rawTgz([{ path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST() }, { path: 'index.mjs', data: 'x' }, { path: 'a/../../x', data: 'x' }]));
  const refused = await cli(['plugin', 'validate', evil]);
  t.equal(refused.code, 4);
  t.match(refused.stderr, /"a\/\.\.\/\.\.\/x" leaves the bundle folder/);
});

t.test('keygen, sign, verify and publish', async (t) => {
  const dir = await tempDir(t);
  const keygen = await cli(['keygen', '--out', path.join(dir, 'me'), '--json']);
  t.equal(keygen.code, 0, keygen.stderr);
  const { keyId } = keygen.json<{ keyId: string }>();
  t.equal((await stat(path.join(dir, 'me.key'))).mode & 0o777, 0o600, 'the private key is owner-only');
  const again = await cli(['keygen', '--out', path.join(dir, 'me')]);
  t.equal(again.code, 2, 'never overwrites a key by accident');
  t.match(again.stderr, /already exists; pass --force/);

  const bundle = path.join(dir, 'tiny-1.0.0.tgz');
  await writeFile(bundle, rawTgz([{ path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST() }, { path: 'index.mjs', data: 'export default {}' }]));
  const sign = await cli(['plugin', 'sign', bundle, '--key', path.join(dir, 'me.key'), '--json']);
  t.equal(sign.code, 0, sign.stderr);
  t.match(sign.json(), { keyId, signatureFile: `${bundle}.sig` });
  const signature = JSON.parse(await readFile(`${bundle}.sig`, 'utf8')) as { keyId: string; algorithm: string };
  t.match(signature, { keyId, algorithm: 'ed25519' });

  const trusted = { MODGATE_TRUSTED_KEYS: path.join(dir, 'me.pub') };
  const verified = await cli(['plugin', 'verify', bundle], trusted);
  t.equal(verified.code, 0, verified.stderr);
  t.match(verified.stdout, new RegExp(`tiny@1\\.0\\.0: signature valid \\(key ${keyId}`));
  const untrusted = await cli(['plugin', 'verify', bundle]);
  t.equal(untrusted.code, 4);
  t.match(untrusted.stderr, /not among your trusted keys/);
  const signWithPublic = await cli(['plugin', 'sign', bundle, '--key', path.join(dir, 'me.pub')]);
  t.equal(signWithPublic.code, 2);
  t.match(signWithPublic.stderr, /is not a PEM private key/);

  const registry = path.join(dir, 'registry');
  const publish = await cli(['plugin', 'publish', bundle, '--registry', registry, '--json']);
  t.equal(publish.code, 0, publish.stdout);
  t.match(publish.json(), { published: [{ name: 'tiny', version: '1.0.0', added: true, keyId }] });
  const index = parseIndex(await readFile(path.join(registry, 'index.json'), 'utf8'), 'index.json');
  t.match(index.plugins[0].versions[0], { bundle: 'bundles/tiny/tiny-1.0.0.tgz', keyId });
  t.ok((await readFile(path.join(registry, 'bundles', 'tiny', 'tiny-1.0.0.tgz'))).equals(await readFile(bundle)));
  t.ok((await stat(path.join(registry, 'bundles', 'tiny', 'tiny-1.0.0.tgz.sig'))).isFile());
  const idempotent = await cli(['plugin', 'publish', bundle, '--registry', registry]);
  t.equal(idempotent.code, 0);
  t.match(idempotent.stdout, /already published with these bytes; nothing changed/);

  // Same version, other bytes: refused.
  await writeFile(bundle, rawTgz([{ path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST() }, { path: 'index.mjs', data: 'export default {changed: 1}' }]));
  const stale = await cli(['plugin', 'publish', bundle, '--registry', registry]);
  t.equal(stale.code, 4, 'the .sig beside it is for the old bytes');
  t.match(stale.stderr, /was made for different bytes .* sign the bundle again/);
  await rm(`${bundle}.sig`);
  const conflict = await cli(['plugin', 'publish', bundle, '--registry', registry]);
  t.equal(conflict.code, 1);
  t.match(conflict.stderr, /tiny@1\.0\.0 is already published with other bytes .* raise metadata\.version/);

  const overHttp = await cli(['plugin', 'publish', bundle, '--registry', 'https://example.com/registry']);
  t.equal(overHttp.code, 2);
  t.match(overHttp.stderr, /served over HTTP, which is read-only/);
});

t.test('the source entry runs under tsx too (what bin/ runs once compiled)', async (t) => {
  const loader = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
  const child = spawnSync(process.execPath, ['--import', loader, path.join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'plugin', 'bogus-command'], { encoding: 'utf8' });
  t.equal(child.status, 2, 'usage errors exit 2');
  t.match(child.stderr, /unknown command 'bogus-command'/);
});

t.test('signing keys never ship: *.key is not packed, a private key under another name is refused', async (t) => {
  const dir = await tempDir(t);
  const folder = path.join(dir, 'tiny');
  await mkdir(folder);
  await writeFile(path.join(folder, 'plugin.yaml'), MINIMAL_NATIVE_MANIFEST());
  await writeFile(path.join(folder, 'index.mjs'), 'export default {}');
  const keygen = await cli(['keygen', '--out', path.join(folder, 'leak')]);
  t.equal(keygen.code, 0, keygen.stderr);
  const pack = await cli(['plugin', 'pack', folder, '--out', path.join(dir, 'tiny.tgz'), '--json']);
  t.equal(pack.code, 0, pack.stderr);
  t.strictSame(pack.json<{ files: string[] }>().files, ['index.mjs', 'leak.pub', 'plugin.yaml'], 'the public key may ship, the private one not');

  await writeFile(path.join(folder, 'credentials.pem'), await readFile(path.join(folder, 'leak.key')));
  const refused = await cli(['plugin', 'pack', folder, '--out', path.join(dir, 'tiny.tgz')]);
  t.equal(refused.code, 4);
  t.match(refused.stderr, /credentials\.pem holds a private key; move it out of the plugin folder/);
});

t.test('keygen refuses before writing when either file exists; republishing without the .sig keeps the signature', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'half.pub'), 'someone else’s key');
  const keygen = await cli(['keygen', '--out', path.join(dir, 'half')]);
  t.equal(keygen.code, 2);
  t.match(keygen.stderr, /half\.pub already exists/);
  t.rejects(stat(path.join(dir, 'half.key')), 'no orphaned private key was written');

  t.equal((await cli(['keygen', '--out', path.join(dir, 'me')])).code, 0);
  const bundle = path.join(dir, 'tiny-1.0.0.tgz');
  await writeFile(bundle, rawTgz([{ path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST() }, { path: 'index.mjs', data: 'export default {}' }]));
  t.equal((await cli(['plugin', 'sign', bundle, '--key', path.join(dir, 'me.key')])).code, 0);
  const registry = path.join(dir, 'registry');
  t.equal((await cli(['plugin', 'publish', bundle, '--registry', registry])).code, 0);
  await rm(`${bundle}.sig`);
  const unsigned = await cli(['plugin', 'publish', bundle, '--registry', registry]);
  t.equal(unsigned.code, 4);
  t.match(unsigned.stderr, /tiny@1\.0\.0 is published signed; publishing it again without tiny-1\.0\.0\.tgz\.sig would drop its signature/);
  const index = parseIndex(await readFile(path.join(registry, 'index.json'), 'utf8'), 'index.json');
  t.type(index.plugins[0].versions[0].signature, 'string', 'the registry still has the signature');
  t.ok((await stat(path.join(registry, 'bundles', 'tiny', 'tiny-1.0.0.tgz.sig'))).isFile());
});
