import t from 'tap';
import { parseManifest } from '../../src/core/manifest.js';
import { generateKeyPair, parsePrivateKey, signBundle } from '../../src/cli/keys.js';
import {
  addVersion,
  emptyIndex,
  parseIndex,
  searchIndex,
  serializeIndex,
  versionEntry,
  type RegistryIndex,
} from '../../src/cli/registry-index.js';
import { defaultUpdateRange, parsePluginSpec, pickVersion, requireVersion } from '../../src/cli/version-range.js';
import { MINIMAL_NATIVE_MANIFEST } from './helpers.js';

const manifest = (name: string, version: string, extra = '') => parseManifest(MINIMAL_NATIVE_MANIFEST(name, version, extra));

function publish(index: RegistryIndex, name: string, version: string, bytes = `${name}@${version}`, extra = '') {
  const m = manifest(name, version, extra);
  return addVersion(index, m, versionEntry(m, `bundles/${name}/${name}-${version}.tgz`, Buffer.from(bytes)));
}

t.test('versions are kept sorted, latest and plugin fields follow the newest', async (t) => {
  let index = emptyIndex();
  index = publish(index, 'zeta', '1.0.0');
  index = publish(index, 'alpha', '1.10.0');
  index = publish(index, 'alpha', '1.2.0');
  index = publish(index, 'alpha', '2.0.0-beta.1');
  t.strictSame(index.plugins.map((p) => p.name), ['alpha', 'zeta']);
  const alpha = index.plugins[0];
  t.strictSame(alpha.versions.map((v) => v.version), ['1.2.0', '1.10.0', '2.0.0-beta.1']);
  t.equal(alpha.latest, '2.0.0-beta.1');
  t.equal(alpha.versions[0].bundle, 'bundles/alpha/alpha-1.2.0.tgz');
  t.equal(alpha.versions[0].size, Buffer.byteLength('alpha@1.2.0'));
  t.equal(alpha.versions[0].signature, null);
  // round trip through JSON and the schema
  t.strictSame(parseIndex(serializeIndex(index), 'index.json'), index);
});

t.test('a published version is immutable; the same bytes again are fine', async (t) => {
  const index = publish(emptyIndex(), 'alpha', '1.0.0', 'one');
  t.strictSame(publish(index, 'alpha', '1.0.0', 'one'), index);
  t.throws(() => publish(index, 'alpha', '1.0.0', 'other'), { code: 'VERSION_EXISTS', message: /versions are immutable/ });
});

t.test('a signature must be for these bytes', async (t) => {
  const pair = generateKeyPair();
  const m = manifest('alpha', '1.0.0');
  const sig = signBundle(Buffer.from('signed bytes'), parsePrivateKey(pair.privateKeyPem, 'k'));
  const entry = versionEntry(m, 'bundles/alpha/alpha-1.0.0.tgz', Buffer.from('signed bytes'), sig);
  t.equal(entry.keyId, pair.keyId);
  t.equal(entry.signature, sig.signature);
  t.throws(() => versionEntry(m, 'bundles/alpha/alpha-1.0.0.tgz', Buffer.from('other bytes'), sig), {
    code: 'SIGNATURE_INVALID',
    message: /made for different bytes/,
  });
});

t.test('dependencies and metadata are recorded', async (t) => {
  const index = publish(emptyIndex(), 'alpha', '1.0.0', 'x', '  dependencies: [{ name: beta, version: "^2.0.0" }]\n');
  t.strictSame(index.plugins[0].versions[0].dependencies, [{ name: 'beta', version: '^2.0.0' }]);
  t.equal(index.plugins[0].type, 'vectorizer');
  t.equal(index.plugins[0].runtime, 'native');
});

t.test('parseIndex refuses unsafe or malformed indexes', async (t) => {
  const good = JSON.parse(serializeIndex(publish(emptyIndex(), 'alpha', '1.0.0'))) as RegistryIndex;
  const withBundle = (bundle: string) => {
    const copy = structuredClone(good);
    copy.plugins[0].versions[0].bundle = bundle;
    return JSON.stringify(copy);
  };
  for (const bad of ['../outside.tgz', 'bundles/../../x.tgz', '/etc/passwd', 'https://evil.example/x.tgz', 'bundles\\x.tgz', './bundles/x.tgz']) {
    t.throws(() => parseIndex(withBundle(bad), 'index.json'), { code: 'REGISTRY_INVALID' }, bad);
  }
  t.throws(() => parseIndex('{', 'index.json'), { code: 'REGISTRY_INVALID', message: /not JSON/ });
  t.throws(() => parseIndex('{"apiVersion":"other","plugins":[]}', 'index.json'), { code: 'REGISTRY_INVALID', message: /apiVersion/ });
  const badVersion = structuredClone(good);
  badVersion.plugins[0].versions[0].version = 'one';
  t.throws(() => parseIndex(JSON.stringify(badVersion), 'index.json'), { code: 'REGISTRY_INVALID', message: /not semver/ });
});

t.test('search matches every word in name, description, tags, type, runtime, author', async (t) => {
  let index = publish(emptyIndex(), 'alpha', '1.0.0');
  index = publish(index, 'beta-reranker', '1.0.0');
  index.plugins[1].description = 'BM25 keyword scoring';
  index.plugins[1].type = 'reranker';
  index.plugins[0].tags = ['multilingual'];
  t.strictSame(searchIndex(index, '').map((p) => p.name), ['alpha', 'beta-reranker']);
  t.strictSame(searchIndex(index, 'bm25').map((p) => p.name), ['beta-reranker']);
  t.strictSame(searchIndex(index, 'KEYWORD scoring').map((p) => p.name), ['beta-reranker']);
  t.strictSame(searchIndex(index, 'keyword alpha').map((p) => p.name), []);
  t.strictSame(searchIndex(index, 'multilingual').map((p) => p.name), ['alpha']);
  t.strictSame(searchIndex(index, '', { type: 'reranker' }).map((p) => p.name), ['beta-reranker']);
  t.strictSame(searchIndex(index, '', { runtime: 'wasm' }).map((p) => p.name), []);
});

t.test('plugin specs and version picking', async (t) => {
  t.strictSame(parsePluginSpec('hash-embedder'), { name: 'hash-embedder', range: '*', explicit: false });
  t.strictSame(parsePluginSpec('hash-embedder@^1.2.0'), { name: 'hash-embedder', range: '^1.2.0', explicit: true });
  t.strictSame(parsePluginSpec('x@latest'), { name: 'x', range: '*', explicit: true });
  t.throws(() => parsePluginSpec('Bad@1'), { code: 'USAGE', message: /not a plugin name/ });
  t.throws(() => parsePluginSpec('x@not a range!'), { code: 'USAGE', message: /not a semver range/ });

  const versions = ['1.0.0', '1.2.0', '1.10.1', '2.0.0', '2.1.0-rc.1'];
  t.equal(pickVersion(versions, '*'), '2.0.0', 'pre-releases only when asked for');
  t.equal(pickVersion(versions, '^1.0.0'), '1.10.1');
  t.equal(pickVersion(versions, '~1.2'), '1.2.0');
  t.equal(pickVersion(versions, '>=2.1.0-rc.0'), '2.1.0-rc.1');
  t.equal(pickVersion(versions, '^3'), undefined);
  t.throws(() => requireVersion('x', versions, '^3'), { code: 'NO_MATCHING_VERSION', message: /no version of x satisfies \^3 \(available: 1\.0\.0, 1\.2\.0, 1\.10\.1, 2\.0\.0, 2\.1\.0-rc\.1\)/ });
  t.equal(defaultUpdateRange('1.2.3'), '^1.2.3');
  t.equal(pickVersion(versions, defaultUpdateRange('1.2.0')), '1.10.1', 'update stays within the major');
});
