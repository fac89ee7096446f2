import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { generateKeyPair, keyIdOf, loadTrustedKeys, parsePrivateKey, signBundle, verifyBundleSignature } from '../../src/cli/keys.js';
import { tempDir } from './helpers.js';

const bytes = Buffer.from('bundle bytes');

t.test('key id is the first 16 hex digits of sha256 over the SPKI DER', async (t) => {
  const pair = generateKeyPair();
  const der = createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'der' });
  t.equal(pair.keyId, createHash('sha256').update(der).digest('hex').slice(0, 16));
  t.match(pair.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  t.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  t.equal(keyIdOf(parsePrivateKey(pair.privateKeyPem, 'k')), pair.keyId, 'same id from the private key');
});

t.test('sign then verify against trusted keys', async (t) => {
  const dir = await tempDir(t);
  const signer = generateKeyPair();
  const other = generateKeyPair();
  await writeFile(path.join(dir, 'signer.pub'), signer.publicKeyPem);
  await writeFile(path.join(dir, 'other.pem'), other.publicKeyPem);
  const signature = signBundle(bytes, parsePrivateKey(signer.privateKeyPem, 'signer'));
  t.equal(signature.keyId, signer.keyId);
  t.equal(signature.algorithm, 'ed25519');
  t.equal(Buffer.from(signature.signature, 'base64').length, 64);

  const trusted = await loadTrustedKeys(path.join(dir, 'signer.pub'));
  t.match(verifyBundleSignature(bytes, signature.signature, signature.keyId, trusted), { status: 'valid', keyId: signer.keyId });
  t.match(verifyBundleSignature(Buffer.from('bundle bytez'), signature.signature, signature.keyId, trusted), {
    status: 'invalid',
    reason: /does not match/,
  });
  t.strictSame(verifyBundleSignature(bytes, null, null, trusted), { status: 'unsigned' });

  const onlyOther = await loadTrustedKeys(path.join(dir, 'other.pem'));
  t.strictSame(verifyBundleSignature(bytes, signature.signature, signature.keyId, onlyOther), { status: 'untrusted-key', keyId: signer.keyId });

  // A signature made by another key but labelled with the trusted key's id.
  const forged = signBundle(bytes, parsePrivateKey(other.privateKeyPem, 'other'));
  t.match(verifyBundleSignature(bytes, forged.signature, signer.keyId, trusted), { status: 'invalid' });
  t.match(verifyBundleSignature(bytes, 'bm90IGEgc2lnbmF0dXJl', signer.keyId, trusted), { status: 'invalid', reason: /64 bytes/ });
});

t.test('trusted keys: comma-separated files and folders', async (t) => {
  const dir = await tempDir(t);
  const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  await mkdir(path.join(dir, 'folder'));
  await writeFile(path.join(dir, 'folder', 'a.pem'), keys[0].publicKeyPem);
  await writeFile(path.join(dir, 'folder', 'b.pub'), keys[1].publicKeyPem);
  await writeFile(path.join(dir, 'folder', 'README.txt'), 'not a key');
  await writeFile(path.join(dir, 'c.pem'), keys[2].publicKeyPem);
  const trusted = await loadTrustedKeys(`${path.join(dir, 'folder')}, ${path.join(dir, 'c.pem')}`);
  t.strictSame([...trusted.keys()].sort(), keys.map((k) => k.keyId).sort());
  t.equal((await loadTrustedKeys(undefined)).size, 0);
  t.equal((await loadTrustedKeys('')).size, 0);
});

t.test('bad keys are refused with what to do', async (t) => {
  const dir = await tempDir(t);
  await t.rejects(loadTrustedKeys(path.join(dir, 'missing.pem')), { code: 'KEY_INVALID', message: /does not exist/ });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  await writeFile(path.join(dir, 'rsa.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  await t.rejects(loadTrustedKeys(path.join(dir, 'rsa.pem')), { code: 'KEY_INVALID', message: /rsa key; trusted keys must be ed25519/ });
  await writeFile(path.join(dir, 'junk.pem'), 'junk');
  await t.rejects(loadTrustedKeys(path.join(dir, 'junk.pem')), { code: 'KEY_INVALID', message: /not a PEM public key/ });
  t.throws(() => parsePrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'rsa.key'), {
    code: 'KEY_INVALID',
    message: /modgate keygen/,
  });
});
