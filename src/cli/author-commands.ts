// Plugin authoring: `modgate plugin init | validate | pack | sign | verify | publish`.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { PLUGIN_TYPES, RUNTIME_KINDS } from '../core/types.js';
import { packPlugin } from './bundle-pack.js';
import { readBundle, writeBundleContents } from './bundle-read.js';
import { CliError, EXIT } from './cli-error.js';
import { runAction, type CliIO } from './cli-io.js';
import { withJson, withTrust, trustFrom, type CommonFlags } from './common-options.js';
import { readPrivateKey, sha256Hex, signBundle, verifyBundleSignature } from './keys.js';
import { publishBundle, readBundleFile, readSignatureFile, SIGNATURE_SUFFIX, type PublishResult } from './registry-store.js';
import { DEFAULT_LANG, scaffoldPlugin } from './scaffold.js';
import { validatePluginDir, type ValidationReport } from './validate.js';

export function registerAuthorCommands(plugin: Command, io: CliIO): void {
  withJson(
    plugin
      .command('init <name>')
      .description('create a plugin folder from a template that builds and validates as is')
      .requiredOption('--type <type>', `plugin type: ${PLUGIN_TYPES.join(', ')}`)
      .requiredOption('--runtime <runtime>', `runtime: ${RUNTIME_KINDS.join(', ')}`)
      .option('--lang <lang>', `source language: as (wasm), ts (grpc, native), python (grpc); default ${Object.entries(DEFAULT_LANG).map(([r, l]) => `${l} for ${r}`).join(', ')}`)
      .option('--dir <folder>', 'folder to create (default ./<name>)')
      .option('--author <author>', 'metadata.author (default: your user name)')
      .option('--no-build', 'do not run build.mjs after creating the folder'),
  ).action((name: string, flags: CommonFlags & { type: string; runtime: string; lang?: string; dir?: string; author?: string; build: boolean }) =>
    runAction(io, flags.json === true, async (out) => {
      const result = await scaffoldPlugin({ name, type: flags.type, runtime: flags.runtime, lang: flags.lang, dir: flags.dir, author: flags.author, build: flags.build });
      out.result({ dir: result.dir, template: result.template, files: result.files, built: result.built }, () => {
        const steps = result.built ? [] : [`  cd ${result.dir} && node build.mjs`];
        steps.push(`  modgate plugin validate ${result.dir}`, `  modgate plugin pack ${result.dir}`);
        return `created ${result.dir} from the ${result.template} template${result.built ? ' and built it' : ''}:\n${result.files.map((f) => `  ${f}`).join('\n')}\nnext:\n${steps.join('\n')}`;
      });
    }),
  );

  withJson(
    plugin
      .command('validate <folder|bundle>')
      .description('check a plugin folder (or a .tgz bundle) the way the gateway does when it loads it; lists every problem'),
  ).action((target: string, flags: CommonFlags) =>
    runAction(io, flags.json === true, async (out) => {
      const report = await validateTarget(target);
      const ok = report.problems.length === 0;
      out.result(
        { valid: ok, dir: target, ...(report.manifest ? { name: report.manifest.metadata.name, version: report.manifest.metadata.version, runtime: report.manifest.spec.runtime } : {}), problems: report.problems },
        () => {
          if (ok) return `${target}: valid ${report.manifest!.spec.runtime} ${report.manifest!.spec.type} ${report.manifest!.metadata.name}@${report.manifest!.metadata.version}`;
          return `${target}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}\n${report.problems.map((p) => `  - ${p}`).join('\n')}`;
        },
      );
      return ok ? EXIT.ok : EXIT.failed;
    }),
  );

  withJson(
    plugin
      .command('pack <folder>')
      .description('make a reproducible .tgz bundle of a valid plugin folder and print its sha256')
      .option('--out <file>', 'bundle file to write (default ./<name>-<version>.tgz)'),
  ).action((folder: string, flags: CommonFlags & { out?: string }) =>
    runAction(io, flags.json === true, async (out) => {
      const report = await validatePluginDir(folder);
      if (report.problems.length > 0) throw new CliError('INVALID_PLUGIN', `cannot pack ${folder}: ${report.problems.join('; ')}`, report.problems);
      const bundle = await packPlugin(folder);
      const file = path.resolve(flags.out ?? bundle.fileName);
      await writeFile(file, bundle.bytes);
      const { name, version } = bundle.manifest.metadata;
      out.result({ bundle: file, name, version, sha256: bundle.sha256, size: bundle.bytes.length, files: bundle.files }, () =>
        `packed ${name}@${version} (${bundle.files.length} files, ${bundle.bytes.length} bytes) -> ${file}\nsha256 ${bundle.sha256}`,
      );
    }),
  );

  withJson(
    plugin
      .command('sign <bundle>')
      .description('sign a bundle with an ed25519 private key; writes <bundle>.sig')
      .requiredOption('--key <file>', 'ed25519 private key PEM (from modgate keygen)')
      .option('--out <file>', 'signature file (default <bundle>.sig)'),
  ).action((bundleFile: string, flags: CommonFlags & { key: string; out?: string }) =>
    runAction(io, flags.json === true, async (out) => {
      const bytes = await readBundleFile(bundleFile);
      await readBundle(bytes); // refuse to sign something that is not a valid bundle
      const signature = signBundle(bytes, await readPrivateKey(flags.key));
      const file = path.resolve(flags.out ?? `${bundleFile}${SIGNATURE_SUFFIX}`);
      await writeFile(file, `${JSON.stringify(signature, null, 2)}\n`);
      out.result({ signatureFile: file, keyId: signature.keyId, sha256: signature.sha256 }, () => `signed ${bundleFile} with key ${signature.keyId} -> ${file}`);
    }),
  );

  withTrust(
    withJson(
      plugin
        .command('verify <bundle>')
        .description('check a bundle and its .sig against your trusted keys, as install does'),
    ),
  ).action((bundleFile: string, flags: CommonFlags) =>
    runAction(io, flags.json === true, async (out) => {
      const bytes = await readBundleFile(bundleFile);
      const { manifest } = await readBundle(bytes);
      const signature = await readSignatureFile(bundleFile);
      const policy = await trustFrom(flags, io);
      if (signature && signature.sha256 !== sha256Hex(bytes)) {
        throw new CliError('DIGEST_MISMATCH', `${bundleFile}${SIGNATURE_SUFFIX} was made for other bytes (sha256 ${signature.sha256}); the bundle changed after signing`);
      }
      const verdict = verifyBundleSignature(bytes, signature?.signature, signature?.keyId, policy.trusted);
      if (verdict.status === 'invalid') throw new CliError('SIGNATURE_INVALID', `${bundleFile}: ${verdict.reason} (key ${verdict.keyId})`);
      if (verdict.status === 'unsigned' && !policy.allowUnsigned) throw new CliError('SIGNATURE_MISSING', `${bundleFile} has no ${SIGNATURE_SUFFIX} file beside it`);
      if (verdict.status === 'untrusted-key' && !policy.allowUnsigned) {
        throw new CliError('KEY_UNTRUSTED', `${bundleFile} is signed by key ${verdict.keyId}, which is not among your trusted keys (MODGATE_TRUSTED_KEYS)`);
      }
      const { name, version } = manifest.metadata;
      out.result({ name, version, sha256: sha256Hex(bytes), signature: verdict.status, ...('keyId' in verdict ? { keyId: verdict.keyId } : {}) }, () =>
        verdict.status === 'valid' ? `${name}@${version}: signature valid (key ${verdict.keyId}, ${verdict.source})` : `${name}@${version}: ${verdict.status}, accepted because of --allow-unsigned`,
      );
    }),
  );

  withJson(
    plugin
      .command('publish <bundles...>')
      .description('add bundles (each with its .sig, when there is one) to a registry folder and update its index.json')
      .option('--registry <folder>', 'registry folder (env MODGATE_REGISTRY); a registry served over HTTP is published to on its host'),
  ).action((bundleFiles: string[], flags: CommonFlags) =>
    runAction(io, flags.json === true, async (out) => {
      const target = flags.registry ?? io.env.MODGATE_REGISTRY;
      if (!target) throw new CliError('USAGE', 'no registry folder given: pass --registry <folder> or set MODGATE_REGISTRY');
      if (/^https?:\/\//i.test(target)) {
        throw new CliError('REGISTRY_READ_ONLY', `${target} is served over HTTP, which is read-only; publish into its folder on the host (modgate plugin publish <bundle> --registry /path/to/registry) and sync it`);
      }
      const dir = path.resolve(target.startsWith('file:') ? fileURLToPath(target) : target);
      const results: PublishResult[] = [];
      // One at a time: each publish rewrites index.json.
      for (const file of bundleFiles) results.push(await publishBundle(dir, file));
      out.result(
        { registry: dir, published: results.map((r) => ({ name: r.name, version: r.version, added: r.added, bundle: r.entry.bundle, sha256: r.entry.sha256, keyId: r.entry.keyId })) },
        () =>
          results
            .map((r) =>
              r.added
                ? `published ${r.name}@${r.version} (${r.entry.signature ? `signed by ${r.entry.keyId}` : 'unsigned'}) to ${dir}`
                : `${r.name}@${r.version} is already published with these bytes; nothing changed`,
            )
            .join('\n'),
      );
    }),
  );
}

/** A folder, or a bundle unpacked (after the bundle's own safety checks) into a temp folder. */
async function validateTarget(target: string): Promise<ValidationReport> {
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new CliError('USAGE', `${target} does not exist`);
  }
  if (info.isDirectory()) return validatePluginDir(target);
  const contents = await readBundle(await readBundleFile(target));
  const temp = await mkdtemp(path.join(tmpdir(), 'modgate-validate-'));
  try {
    await writeBundleContents(contents, temp);
    const report = await validatePluginDir(temp);
    return { ...report, dir: target, problems: report.problems.map((p) => p.split(temp).join('<bundle>')) };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

