// Options several commands share, each with its environment variable fallback.
import type { Command } from 'commander';
import { parseDuration } from '../core/units.js';
import { CliError } from './cli-error.js';
import type { CliIO } from './cli-io.js';
import { GatewayClient } from './gateway-client.js';
import { loadTrustedKeys } from './keys.js';
import type { MarketplaceContext, TrustPolicy } from './marketplace.js';
import type { Output } from './cli-io.js';
import { progressFactory } from './progress.js';
import { openRegistry, type RegistrySource } from './registry-client.js';

export interface CommonFlags {
  json?: boolean;
  registry?: string;
  gateway?: string;
  token?: string;
  trustedKeys?: string;
  allowUnsigned?: boolean;
  timeout?: string;
}

export const withJson = (cmd: Command) => cmd.option('--json', 'print one JSON document for scripts instead of text');

export const withRegistry = (cmd: Command) =>
  cmd
    .option('--registry <url|folder>', 'marketplace: http(s) URL, file: URL or folder holding index.json (env MODGATE_REGISTRY)')
    .option('--timeout <duration>', 'give up on a request after this long, e.g. 30s (default 60s)');

export const withGateway = (cmd: Command) =>
  cmd
    .option('--gateway <url>', 'gateway base URL (env MODGATE_GATEWAY, default http://127.0.0.1:8080)')
    .option('--token <token>', 'gateway admin token (env MODGATE_ADMIN_TOKEN)');

export const withTrust = (cmd: Command) =>
  cmd
    .option('--trusted-keys <paths>', 'comma-separated public key PEM files or folders (env MODGATE_TRUSTED_KEYS)')
    .option('--allow-unsigned', 'accept unsigned bundles and bundles signed by keys you do not trust');

function timeoutMs(flags: CommonFlags, io: CliIO): number | undefined {
  const raw = flags.timeout ?? io.env.MODGATE_TIMEOUT;
  if (raw === undefined) return undefined;
  try {
    return parseDuration(raw);
  } catch (err) {
    throw new CliError('USAGE', `--timeout: ${(err as Error).message}`);
  }
}

export function registryFrom(flags: CommonFlags, io: CliIO): RegistrySource {
  return openRegistry(flags.registry ?? io.env.MODGATE_REGISTRY, { timeoutMs: timeoutMs(flags, io) });
}

export function gatewayFrom(flags: CommonFlags, io: CliIO): GatewayClient {
  return new GatewayClient({
    url: flags.gateway ?? io.env.MODGATE_GATEWAY,
    token: flags.token ?? io.env.MODGATE_ADMIN_TOKEN,
    timeoutMs: timeoutMs(flags, io),
  });
}

export async function trustFrom(flags: CommonFlags, io: CliIO): Promise<TrustPolicy> {
  return {
    trusted: await loadTrustedKeys(flags.trustedKeys ?? io.env.MODGATE_TRUSTED_KEYS),
    allowUnsigned: flags.allowUnsigned === true,
  };
}

export async function marketplaceFrom(flags: CommonFlags, io: CliIO, out: Output): Promise<MarketplaceContext> {
  return {
    registry: registryFrom(flags, io),
    gateway: gatewayFrom(flags, io),
    policy: await trustFrom(flags, io),
    progress: progressFactory(out),
    warn: (message) => out.warn(message),
  };
}

/** Column-aligned text table. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}
