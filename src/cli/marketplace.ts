// Install and update from a marketplace into a gateway. Every bundle is checked before the
// gateway sees it: size and sha256 against index.json, the ed25519 signature against the
// trusted keys, the archive's contents (no links, no paths out), the manifest against the
// index entry, and the declared dependencies against what the gateway runs.
import semver from 'semver';
import type { Manifest } from '../core/manifest.js';
import { readBundle } from './bundle-read.js';
import { CliError } from './cli-error.js';
import type { GatewayClient, InstalledPlugin } from './gateway-client.js';
import { sha256Hex, verifyBundleSignature, type SignatureVerdict, type TrustedKeys } from './keys.js';
import type { ProgressListener, RegistrySource } from './registry-client.js';
import { findPlugin, type PluginEntry, type VersionEntry } from './registry-index.js';
import { defaultUpdateRange, pickVersion, requireVersion, type PluginSpec } from './version-range.js';

export interface TrustPolicy {
  trusted: TrustedKeys;
  /** Accept unsigned bundles and bundles signed by keys not in `trusted` (never a failing signature). */
  allowUnsigned: boolean;
}

export interface VerifiedBundle {
  entry: VersionEntry;
  bytes: Buffer;
  manifest: Manifest;
  fileName: string;
  signature: SignatureVerdict;
}

export interface MarketplaceContext {
  registry: RegistrySource;
  gateway: GatewayClient;
  policy: TrustPolicy;
  /** Called once per download with a listener for its progress (or undefined for none). */
  progress?: (label: string, size: number) => { listener: ProgressListener; done(): void } | undefined;
  /** Non-fatal notes (e.g. "installing an unsigned bundle"). */
  warn?: (message: string) => void;
}

/** Downloads one version and runs every check on it; throws a CliError naming the first failure. */
export async function downloadVerified(ctx: MarketplaceContext, plugin: PluginEntry, version: string): Promise<VerifiedBundle> {
  const entry = plugin.versions.find((v) => v.version === version);
  if (!entry) throw new CliError('NO_MATCHING_VERSION', `the registry lists no ${plugin.name}@${version}`);
  const label = `${plugin.name}@${version}`;
  const bar = ctx.progress?.(label, entry.size);
  let bytes: Buffer;
  try {
    bytes = await ctx.registry.readBundle(entry, bar?.listener);
  } finally {
    bar?.done();
  }
  const digest = sha256Hex(bytes);
  if (bytes.length !== entry.size || digest !== entry.sha256) {
    throw new CliError(
      'DIGEST_MISMATCH',
      `${label}: the downloaded bundle does not match index.json (sha256 ${digest}, ${bytes.length} bytes; expected ${entry.sha256}, ${entry.size} bytes); refusing it`,
    );
  }
  const signature = verifyBundleSignature(bytes, entry.signature, entry.keyId, ctx.policy.trusted);
  checkTrust(label, signature, ctx);
  const contents = await readBundle(bytes);
  const { name, version: bundled } = contents.manifest.metadata;
  if (name !== plugin.name || bundled !== version) {
    throw new CliError('BUNDLE_UNSAFE', `${label}: the bundle's plugin.yaml says ${name}@${bundled}; refusing a bundle that is not what the index lists`);
  }
  return { entry, bytes, manifest: contents.manifest, fileName: `${name}-${version}.tgz`, signature };
}

function checkTrust(label: string, verdict: SignatureVerdict, ctx: MarketplaceContext): void {
  switch (verdict.status) {
    case 'valid':
      return;
    case 'invalid':
      // A trusted key whose signature fails means the bytes are not what the key holder signed.
      throw new CliError('SIGNATURE_INVALID', `${label}: signature check failed with trusted key ${verdict.keyId}: ${verdict.reason}; refusing it`);
    case 'unsigned':
      if (!ctx.policy.allowUnsigned) {
        throw new CliError('SIGNATURE_MISSING', `${label} is not signed; refusing it (pass --allow-unsigned to install it anyway)`);
      }
      ctx.warn?.(`${label} is not signed; installing it because of --allow-unsigned`);
      return;
    case 'untrusted-key':
      if (!ctx.policy.allowUnsigned) {
        throw new CliError(
          'KEY_UNTRUSTED',
          `${label} is signed by key ${verdict.keyId}, which is not trusted; add its public key to MODGATE_TRUSTED_KEYS (or --trusted-keys), or pass --allow-unsigned`,
        );
      }
      ctx.warn?.(`${label} is signed by untrusted key ${verdict.keyId}; installing it because of --allow-unsigned`);
  }
}

/** Problems with `manifest`'s dependencies given what the gateway runs (empty when all hold). */
export function dependencyProblems(manifest: Manifest, installed: readonly InstalledPlugin[], gatewayVersion: string | undefined): string[] {
  const problems: string[] = [];
  for (const dep of manifest.spec.dependencies ?? []) {
    let version: string | null | undefined;
    if (dep.name === 'modgate') {
      if (gatewayVersion === undefined) continue; // the gateway checks its own version at load
      version = gatewayVersion;
    } else {
      const found = installed.find((p) => p.name === dep.name && p.state !== 'failed');
      version = found?.version;
    }
    if (version === undefined || version === null) problems.push(`${dep.name} ${dep.version} is not installed on the gateway`);
    else if (!semver.satisfies(version, dep.version, { includePrerelease: true })) {
      problems.push(`${dep.name} ${dep.version} is required but the gateway runs ${version}`);
    }
  }
  return problems;
}

async function assertDependencies(ctx: MarketplaceContext, bundle: VerifiedBundle, installed: InstalledPlugin[]): Promise<void> {
  const deps = bundle.manifest.spec.dependencies ?? [];
  const gatewayVersion = deps.some((d) => d.name === 'modgate') ? await ctx.gateway.version() : undefined;
  const problems = dependencyProblems(bundle.manifest, installed, gatewayVersion);
  if (problems.length > 0) {
    const label = `${bundle.manifest.metadata.name}@${bundle.entry.version}`;
    throw new CliError('DEPENDENCY_UNSATISFIED', `${label} cannot be installed: ${problems.join('; ')}`, problems);
  }
}

export interface InstallResult {
  name: string;
  version: string;
  previous?: string;
  signature: SignatureVerdict['status'];
  keyId?: string;
  plugin: InstalledPlugin;
}

export async function installPlugin(ctx: MarketplaceContext, spec: PluginSpec): Promise<InstallResult> {
  const index = await ctx.registry.readIndex();
  const plugin = findPlugin(index, spec.name);
  const version = requireVersion(plugin.name, plugin.versions.map((v) => v.version), spec.range);
  const installed = await ctx.gateway.list();
  const current = installed.find((p) => p.name === plugin.name);
  if (current) {
    throw new CliError(
      'ALREADY_INSTALLED',
      `${plugin.name} ${current.version ?? ''} is already installed on ${ctx.gateway.url}; use: modgate plugin update ${plugin.name}`.replace('  ', ' '),
    );
  }
  const bundle = await downloadVerified(ctx, plugin, version);
  await assertDependencies(ctx, bundle, installed);
  const result = await ctx.gateway.install(bundle.bytes, bundle.fileName, bundle.entry.sha256);
  return resultOf(bundle, result);
}

export type UpdateOutcome = (InstallResult & { status: 'updated' }) | { status: 'current'; name: string; version: string; range: string } | { status: 'failed'; name: string; error: CliError };

/**
 * Updates the named plugins (all installed plugins the registry knows when `specs` is empty)
 * to the highest version inside their range: the one given, else ^installed. The gateway
 * hot-reloads each one; a failure leaves the old version serving.
 */
export async function updatePlugins(ctx: MarketplaceContext, specs: PluginSpec[]): Promise<UpdateOutcome[]> {
  const index = await ctx.registry.readIndex();
  let installed = await ctx.gateway.list();
  const targets =
    specs.length > 0
      ? specs
      : installed
          .filter((p) => index.plugins.some((entry) => entry.name === p.name))
          .map((p) => ({ name: p.name, range: '*', explicit: false }));
  const outcomes: UpdateOutcome[] = [];
  for (const spec of targets) {
    try {
      const current = installed.find((p) => p.name === spec.name);
      if (!current) throw new CliError('NOT_FOUND', `${spec.name} is not installed on ${ctx.gateway.url}; install it with: modgate plugin install ${spec.name}`);
      const plugin = findPlugin(index, spec.name);
      const running = current.version && semver.valid(current.version) ? current.version : undefined;
      const range = spec.explicit || !running ? spec.range : defaultUpdateRange(running);
      const versions = plugin.versions.map((v) => v.version);
      const candidate = specs.length > 0 ? requireVersion(plugin.name, versions, range) : pickVersion(versions, range);
      if (candidate === undefined || (running !== undefined && semver.lte(candidate, running))) {
        outcomes.push({ status: 'current', name: spec.name, version: running ?? String(current.version), range });
        continue;
      }
      const bundle = await downloadVerified(ctx, plugin, candidate);
      await assertDependencies(
        ctx,
        bundle,
        installed.filter((p) => p.name !== spec.name),
      );
      const result = await ctx.gateway.upgrade(spec.name, bundle.bytes, bundle.fileName, bundle.entry.sha256);
      outcomes.push({ status: 'updated', ...resultOf(bundle, result), ...(running ? { previous: running } : {}) });
      installed = installed.map((p) => (p.name === spec.name ? { ...p, version: candidate } : p));
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      outcomes.push({ status: 'failed', name: spec.name, error: err });
    }
  }
  return outcomes;
}

function resultOf(bundle: VerifiedBundle, plugin: InstalledPlugin): InstallResult {
  return {
    name: bundle.manifest.metadata.name,
    version: bundle.entry.version,
    signature: bundle.signature.status,
    ...('keyId' in bundle.signature && bundle.signature.keyId ? { keyId: bundle.signature.keyId } : {}),
    plugin,
  };
}
