import { chmod, mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { list } from 'tar';
import { Readable } from 'node:stream';
import { BUNDLE_MTIME, packPlugin } from '../../src/cli/bundle-pack.js';
import { archivePathProblem, readBundle, writeBundleContents } from '../../src/cli/bundle-read.js';
import { CliError } from '../../src/cli/cli-error.js';
import { sha256Hex } from '../../src/cli/keys.js';
import { MINIMAL_NATIVE_MANIFEST, rawTgz, tempDir } from './helpers.js';

async function pluginFolder(t: { teardown(fn: () => unknown): void }, files: Record<string, string> = {}): Promise<string> {
  const dir = path.join(await tempDir(t), 'tiny');
  await mkdir(path.join(dir, 'lib'), { recursive: true });
  await writeFile(path.join(dir, 'plugin.yaml'), MINIMAL_NATIVE_MANIFEST());
  await writeFile(path.join(dir, 'index.mjs'), 'export default {};\n');
  await writeFile(path.join(dir, 'lib', 'b.txt'), 'b');
  await writeFile(path.join(dir, 'lib', 'a.txt'), 'a');
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

interface Listed {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

async function entries(bytes: Buffer): Promise<Listed[]> {
  const out: Listed[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = list({
      onReadEntry: (e) => {
        out.push({ path: e.path, type: e.type, mode: e.mode ?? -1, uid: e.uid ?? -1, gid: e.gid ?? -1, mtime: e.mtime ?? new Date(NaN) });
      },
    });
    Readable.from([bytes]).pipe(parser).on('end', resolve).on('error', reject);
  });
  return out;
}

t.test('pack is reproducible: same folder, same bytes, whatever the mtimes', async (t) => {
  const dir = await pluginFolder(t);
  const first = await packPlugin(dir);
  await utimes(path.join(dir, 'lib', 'a.txt'), new Date('2021-05-05'), new Date('2021-05-05'));
  const second = await packPlugin(dir);
  t.ok(first.bytes.equals(second.bytes), 'identical bytes');
  t.equal(first.sha256, sha256Hex(first.bytes));
  t.equal(first.sha256, second.sha256);
  t.equal(first.fileName, 'tiny-1.0.0.tgz');
  t.strictSame(first.files, ['index.mjs', 'lib/a.txt', 'lib/b.txt', 'plugin.yaml']);
  // gzip header: no timestamp, OS byte "unknown"
  t.strictSame([...first.bytes.subarray(4, 8)], [0, 0, 0, 0]);
  t.equal(first.bytes[9], 0xff);
});

t.test('pack writes sorted entries with fixed mtime, uid/gid 0 and normalised modes', async (t) => {
  const dir = await pluginFolder(t, { 'bin/run': '#!/bin/sh\n' });
  await chmod(path.join(dir, 'bin', 'run'), 0o700);
  await chmod(path.join(dir, 'lib', 'a.txt'), 0o600);
  const listed = await entries((await packPlugin(dir)).bytes);
  t.strictSame(
    listed.map((e) => e.path),
    ['bin/', 'bin/run', 'index.mjs', 'lib/', 'lib/a.txt', 'lib/b.txt', 'plugin.yaml'],
  );
  for (const e of listed) {
    t.equal(e.mtime.getTime(), BUNDLE_MTIME.getTime(), `${e.path} mtime`);
    t.equal(e.uid, 0, `${e.path} uid`);
    t.equal(e.gid, 0, `${e.path} gid`);
  }
  const mode = (p: string) => listed.find((e) => e.path === p)?.mode;
  t.equal(mode('bin/run'), 0o755, 'executable stays executable');
  t.equal(mode('lib/a.txt'), 0o644);
  t.equal(mode('lib/'), 0o755);
});

t.test('pack leaves out node_modules, .git, bundles and .modgateignore matches', async (t) => {
  const dir = await pluginFolder(t, {
    'node_modules/x/index.js': 'x',
    '.git/HEAD': 'ref',
    'old-1.0.0.tgz': 'tgz',
    'docs/draft.md': 'draft',
    'docs/keep.md': 'keep',
    'src/deep/secret.env': 'S=1',
    '.modgateignore': '# comment\ndocs/draft.md\n**/*.env\n',
  });
  const { files } = await packPlugin(dir);
  t.strictSame(files, ['docs/keep.md', 'index.mjs', 'lib/a.txt', 'lib/b.txt', 'plugin.yaml']);
});

t.test('pack refuses symlinks and invalid plugin folders', async (t) => {
  const dir = await pluginFolder(t);
  await symlink('/etc/passwd', path.join(dir, 'lib', 'passwd'));
  await t.rejects(packPlugin(dir), { code: 'INVALID_PLUGIN', message: /lib\/passwd is a symbolic link/ });

  const broken = await pluginFolder(t);
  await writeFile(path.join(broken, 'plugin.yaml'), MINIMAL_NATIVE_MANIFEST('Bad_Name', 'x'));
  const err = (await packPlugin(broken).catch((e: unknown) => e)) as CliError;
  t.equal(err.code, 'INVALID_PLUGIN');
  t.match(err.message, /metadata\.name/);
});

t.test('long paths survive a pack/read round trip (pax records)', async (t) => {
  const long = `${'deep/'.repeat(30)}file.txt`;
  const dir = await pluginFolder(t, { [long]: 'long' });
  const contents = await readBundle((await packPlugin(dir)).bytes);
  t.equal(contents.files.get(long)?.toString(), 'long');
});

t.test('readBundle returns the manifest and files; writeBundleContents restores them', async (t) => {
  const dir = await pluginFolder(t, { 'bin/run': '#!/bin/sh\n' });
  await chmod(path.join(dir, 'bin', 'run'), 0o755);
  const contents = await readBundle((await packPlugin(dir)).bytes);
  t.equal(contents.manifest.metadata.name, 'tiny');
  t.equal(contents.files.get('lib/a.txt')?.toString(), 'a');
  t.ok(contents.executables.has('bin/run'));
  const out = path.join(await tempDir(t), 'copy');
  await writeBundleContents(contents, out);
  t.equal(await readFile(path.join(out, 'lib', 'b.txt'), 'utf8'), 'b');
  t.equal((await stat(path.join(out, 'bin', 'run'))).mode & 0o777, 0o755);
});

t.test('readBundle refuses unsafe archives', async (t) => {
  const manifest = { path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST() };
  const module = { path: 'index.mjs', data: 'export default {}' };
  const cases: Array<[string, Parameters<typeof rawTgz>[0], RegExp]> = [
    ['dot-dot path', [manifest, module, { path: '../evil.js', data: 'x' }], /"\.\.\/evil\.js" leaves the bundle folder/],
    ['nested dot-dot path', [manifest, module, { path: 'lib/../../evil.js', data: 'x' }], /leaves the bundle folder/],
    ['absolute path', [manifest, module, { path: '/etc/cron.d/evil', data: 'x' }], /is an absolute path/],
    ['symlink', [manifest, module, { path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd' }], /is a SymbolicLink/],
    ['hard link', [manifest, module, { path: 'hard', type: 'Link', linkpath: 'index.mjs' }], /is a Link/],
    ['device', [manifest, module, { path: 'dev', type: 'CharacterDevice' }], /is a CharacterDevice/],
    ['duplicate entry', [manifest, module, { path: './index.mjs', data: 'again' }], /appears twice/],
    ['no manifest', [module], /no plugin\.yaml at the archive root/],
  ];
  for (const [name, archive, message] of cases) {
    await t.rejects(readBundle(rawTgz(archive)), { code: 'BUNDLE_UNSAFE', message }, name);
  }
  await t.rejects(readBundle(Buffer.from('not a tarball at all')), { code: 'BUNDLE_UNSAFE' }, 'garbage');
});

t.test('readBundle enforces entry and size caps', async (t) => {
  const many = [{ path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST() }, { path: 'index.mjs', data: 'x' }];
  for (let i = 0; i < 20; i++) many.push({ path: `f${i}`, data: 'x' });
  await t.rejects(readBundle(rawTgz(many), { maxEntries: 10, maxBytes: 1e6 }), { code: 'BUNDLE_UNSAFE', message: /more than 10 entries/ });
  const big = [{ path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST() }, { path: 'index.mjs', data: Buffer.alloc(200_000) }];
  await t.rejects(readBundle(rawTgz(big), { maxEntries: 100, maxBytes: 100_000 }), { code: 'BUNDLE_UNSAFE', message: /more than 100000 bytes/ });
});

t.test('readBundle checks the manifest and that its binary is in the bundle', async (t) => {
  await t.rejects(readBundle(rawTgz([{ path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST() }])), {
    code: 'INVALID_PLUGIN',
    message: /spec\.binary "\.\/index\.mjs" is not a file in the bundle/,
  });
  await t.rejects(readBundle(rawTgz([{ path: 'plugin.yaml', data: 'kind: Plugin\n' }])), { code: 'INVALID_PLUGIN', message: /apiVersion/ });
});

t.test('archivePathProblem', async (t) => {
  t.strictSame(archivePathProblem('./a/b'), { normalised: 'a/b' });
  t.strictSame(archivePathProblem('a//b/'), { normalised: 'a/b' });
  t.match(archivePathProblem('a\\b'), { problem: /backslash/ });
  t.match(archivePathProblem('C:/x'), { problem: /absolute/ });
  t.match(archivePathProblem('a\0b'), { problem: /NUL/ });
  t.match(archivePathProblem('./'), { problem: /empty/ });
});

t.test('the packed tar is plain ustar a stock tar can read', async (t) => {
  const dir = await pluginFolder(t);
  const tarBytes = gunzipSync((await packPlugin(dir)).bytes);
  t.equal(tarBytes.length % 512, 0);
  t.equal(tarBytes.subarray(257, 262).toString(), 'ustar');
});
