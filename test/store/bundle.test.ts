// Unpacking uploaded bundles: a plain plugin folder unpacks; `../`, absolute paths, symlinks,
// hard links and oversized or overlong archives are refused and nothing escapes the target.
import { link, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import * as tar from 'tar';
import { bundleRoot, extractBundle } from '../../src/core/bundle.js';
import { tempDir } from '../admin/helpers.js';

const LIMITS = { maxEntries: 50, maxBytes: 64 * 1024 };

async function pack(t: Parameters<typeof tempDir>[0], cwd: string, entries: string[], options: { preservePaths?: boolean; gzip?: boolean } = {}) {
  const file = join(await tempDir(t), 'bundle.tgz');
  // Synchronous: tar's async Pack races on hard links (node-tar issues #448, #460), which made
  // the hard-link case fail now and then with a zlib stream error thrown outside the test.
  tar.c({ sync: true, gzip: options.gzip ?? true, cwd, file, portable: true, preservePaths: options.preservePaths ?? false }, entries);
  return file;
}

t.test('a plugin folder unpacks, at the root or in one top-level folder', async (t) => {
  const src = await tempDir(t);
  await mkdir(join(src, 'my-plugin', 'dist'), { recursive: true });
  await writeFile(join(src, 'my-plugin', 'plugin.yaml'), 'kind: Plugin\n');
  await writeFile(join(src, 'my-plugin', 'dist', 'index.js'), 'export default {};\n');

  const nested = await tempDir(t);
  await extractBundle(await pack(t, src, ['my-plugin']), nested, LIMITS);
  t.equal(await bundleRoot(nested), join(nested, 'my-plugin'));
  t.equal(await readFile(join(nested, 'my-plugin', 'dist', 'index.js'), 'utf8'), 'export default {};\n');

  const flat = await tempDir(t);
  await extractBundle(await pack(t, join(src, 'my-plugin'), ['plugin.yaml', 'dist'], { gzip: false }), flat, LIMITS);
  t.equal(await bundleRoot(flat), flat, 'plain .tar works too, plugin.yaml at the root');

  const empty = await tempDir(t);
  await mkdir(join(empty, 'a'));
  await mkdir(join(empty, 'b'));
  await t.rejects(bundleRoot(empty), { code: 'MODGATE_VALIDATION', message: /no plugin\.yaml at its root/ });
});

t.test('`../` and absolute paths are refused and nothing is written outside', async (t) => {
  const outer = await tempDir(t);
  await mkdir(join(outer, 'inner'));
  await writeFile(join(outer, 'escape.txt'), 'gotcha');
  await writeFile(join(outer, 'inner', 'plugin.yaml'), 'kind: Plugin\n');
  const dotdot = await pack(t, join(outer, 'inner'), ['plugin.yaml', '../escape.txt'], { preservePaths: true });

  const base = await tempDir(t);
  const target = join(base, 'target');
  await mkdir(target);
  await t.rejects(extractBundle(dotdot, target, LIMITS), {
    code: 'MODGATE_VALIDATION',
    message: /entry "\.\.\/escape\.txt" leaves the plugin folder/,
  });
  t.same(await readdir(base), ['target'], 'nothing was written beside the target');

  const absolute = await pack(t, outer, [join(outer, 'escape.txt')], { preservePaths: true });
  await t.rejects(extractBundle(absolute, await tempDir(t), LIMITS), { code: 'MODGATE_VALIDATION', message: /is an absolute path/ });
});

t.test('symlinks and hard links are refused', async (t) => {
  const src = await tempDir(t);
  await writeFile(join(src, 'plugin.yaml'), 'kind: Plugin\n');
  await symlink('/etc/passwd', join(src, 'passwd'));
  const target = await tempDir(t);
  await t.rejects(extractBundle(await pack(t, src, ['plugin.yaml', 'passwd']), target, LIMITS), {
    code: 'MODGATE_VALIDATION',
    message: /entry "passwd" is a symbolic link/,
  });
  t.notOk((await readdir(target)).includes('passwd'), 'the link was not created');

  const hard = await tempDir(t);
  await writeFile(join(hard, 'a.js'), 'x');
  await link(join(hard, 'a.js'), join(hard, 'b.js'));
  await t.rejects(extractBundle(await pack(t, hard, ['a.js', 'b.js']), await tempDir(t), LIMITS), { message: /"b\.js" is a hard link/ });
});

t.test('entry count and unpacked size are capped; a non-archive is a clear 400', async (t) => {
  const many = await tempDir(t);
  const names = Array.from({ length: 60 }, (_, i) => `f${i}.txt`);
  for (const name of names) await writeFile(join(many, name), 'x');
  await t.rejects(extractBundle(await pack(t, many, names), await tempDir(t), LIMITS), {
    code: 'MODGATE_PAYLOAD_TOO_LARGE',
    message: /more than 50 entries/,
  });

  const big = await tempDir(t);
  // Compresses to almost nothing, unpacks past the cap.
  await writeFile(join(big, 'zeros.bin'), Buffer.alloc(1024 * 1024));
  const bomb = await pack(t, big, ['zeros.bin']);
  t.ok((await readFile(bomb)).byteLength < LIMITS.maxBytes, 'the archive itself is small');
  await t.rejects(extractBundle(bomb, await tempDir(t), LIMITS), { code: 'MODGATE_PAYLOAD_TOO_LARGE', message: /unpacks to more than 65536 bytes/ });

  const junk = join(await tempDir(t), 'junk.tgz');
  await writeFile(junk, 'this is not a tarball at all, just some text that goes on for a while '.repeat(20));
  await t.rejects(extractBundle(junk, await tempDir(t), LIMITS), { code: 'MODGATE_VALIDATION' });
});
