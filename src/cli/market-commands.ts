// The marketplace client: `modgate plugin search | info | install | list | update | remove`.
import type { Command } from 'commander';
import { CliError, EXIT } from './cli-error.js';
import { runAction, type CliIO } from './cli-io.js';
import { gatewayFrom, marketplaceFrom, registryFrom, table, withGateway, withJson, withRegistry, withTrust, type CommonFlags } from './common-options.js';
import { installPlugin, updatePlugins } from './marketplace.js';
import { findPlugin, searchIndex } from './registry-index.js';
import { parsePluginSpec } from './version-range.js';

type Flags = CommonFlags & { type?: string; runtime?: string };

export function registerMarketCommands(plugin: Command, io: CliIO): void {
  withRegistry(
    withJson(
      plugin
        .command('search [query...]')
        .description('find plugins in the marketplace (every word must match name, description, tags, type, runtime or author)')
        .option('--type <type>', 'only plugins of this type')
        .option('--runtime <runtime>', 'only plugins for this runtime'),
    ),
  ).action((words: string[], flags: Flags) =>
    runAction(io, flags.json === true, async (out) => {
      const index = await registryFrom(flags, io).readIndex();
      const query = words.join(' ');
      const hits = searchIndex(index, query, { type: flags.type, runtime: flags.runtime });
      out.result(
        { query, plugins: hits.map((p) => ({ name: p.name, latest: p.latest, type: p.type, runtime: p.runtime, description: p.description ?? null, author: p.author ?? null, tags: p.tags })) },
        () =>
          hits.length === 0
            ? `no plugin matches "${query}"`
            : table(['NAME', 'LATEST', 'TYPE', 'RUNTIME', 'DESCRIPTION'], hits.map((p) => [p.name, p.latest, p.type, p.runtime, p.description ?? ''])),
      );
    }),
  );

  withRegistry(withJson(plugin.command('info <name>').description('show a marketplace plugin: versions, digests, signing keys, dependencies'))).action(
    (name: string, flags: Flags) =>
      runAction(io, flags.json === true, async (out) => {
        const entry = findPlugin(await registryFrom(flags, io).readIndex(), name);
        out.result({ plugin: entry }, () => {
          const head = [
            `${entry.name} ${entry.latest} (${entry.type}, ${entry.runtime})`,
            entry.description ? `  ${entry.description}` : '',
            entry.author ? `  author: ${entry.author}` : '',
            entry.license ? `  license: ${entry.license}` : '',
            entry.homepage ? `  homepage: ${entry.homepage}` : '',
            entry.tags.length ? `  tags: ${entry.tags.join(', ')}` : '',
          ].filter((l) => l !== '');
          const rows = [...entry.versions].reverse().map((v) => [
            v.version,
            v.keyId ? `signed ${v.keyId}` : 'unsigned',
            v.dependencies.map((d) => `${d.name} ${d.version}`).join(', ') || '-',
            `${v.size}`,
            v.sha256.slice(0, 16),
          ]);
          return `${head.join('\n')}\n\n${table(['VERSION', 'SIGNATURE', 'DEPENDS ON', 'BYTES', 'SHA256'], rows)}`;
        });
      }),
  );

  withTrust(
    withGateway(
      withRegistry(
        withJson(
          plugin
            .command('install <name[@range]>')
            .description('install the highest matching version from the marketplace into the gateway (verified: sha256, signature, contents, dependencies)'),
        ),
      ),
    ),
  ).action((spec: string, flags: Flags) =>
    runAction(io, flags.json === true, async (out) => {
      const ctx = await marketplaceFrom(flags, io, out);
      const result = await installPlugin(ctx, parsePluginSpec(spec));
      out.result({ installed: result }, () => `installed ${result.name}@${result.version} on ${ctx.gateway.url} (${describeSignature(result.signature, result.keyId)}); state: ${result.plugin.state}`);
    }),
  );

  withRegistry(withGateway(withJson(plugin.command('list').description('list the plugins the gateway runs (with the marketplace latest when --registry is set)')))).action(
    (flags: Flags) =>
      runAction(io, flags.json === true, async (out) => {
        const installed = await gatewayFrom(flags, io).list();
        let latest: Map<string, string> | undefined;
        if (flags.registry ?? io.env.MODGATE_REGISTRY) {
          try {
            const index = await registryFrom(flags, io).readIndex();
            latest = new Map(index.plugins.map((p) => [p.name, p.latest]));
          } catch (err) {
            out.warn(`marketplace not consulted: ${(err as Error).message}`);
          }
        }
        const rows = installed.map((p) => ({ ...p, ...(latest ? { latest: latest.get(p.name) ?? null } : {}) }));
        out.result({ plugins: rows }, () => {
          if (rows.length === 0) return 'the gateway runs no plugins';
          const headers = ['NAME', 'VERSION', 'TYPE', 'RUNTIME', 'STATE', ...(latest ? ['LATEST'] : [])];
          return table(
            headers,
            rows.map((p) => [p.name, p.version ?? '-', p.type ?? '-', p.runtime ?? '-', p.state, ...(latest ? [String(latest.get(p.name) ?? '-')] : [])]),
          );
        });
      }),
  );

  withTrust(
    withGateway(
      withRegistry(
        withJson(
          plugin
            .command('update [names...]')
            .description('hot-reload plugins to the highest marketplace version in range (name@range, default ^installed); all installed plugins when none is named'),
        ),
      ),
    ),
  ).action((names: string[], flags: Flags) =>
    runAction(io, flags.json === true, async (out) => {
      const ctx = await marketplaceFrom(flags, io, out);
      const outcomes = await updatePlugins(ctx, names.map(parsePluginSpec));
      const failed = outcomes.filter((o) => o.status === 'failed');
      const json = outcomes.map((o) => (o.status === 'failed' ? { status: o.status, name: o.name, error: { code: o.error.code, message: o.error.message } } : o));
      if (flags.json === true && failed.length > 0) {
        // One document even on failure: the per-plugin outcomes say what happened to each.
        io.stdout.write(`${JSON.stringify({ ok: false, updates: json }, null, 2)}\n`);
        return failed[0].error.exitCode;
      }
      out.result({ updates: json }, () => {
        if (outcomes.length === 0) return 'no installed plugin is in the marketplace';
        const lines: string[] = [];
        for (const o of outcomes) {
          if (o.status === 'updated') lines.push(`updated ${o.name} ${o.previous ?? '?'} -> ${o.version} (${describeSignature(o.signature, o.keyId)})`);
          if (o.status === 'current') lines.push(`${o.name} ${o.version} is the newest version in ${o.range}`);
        }
        return lines.join('\n');
      });
      if (failed.length > 0) {
        for (const f of failed) io.stderr.write(`error: ${f.error.message}\n`);
        return failed[0].error.exitCode;
      }
      return EXIT.ok;
    }),
  );

  withGateway(withJson(plugin.command('remove <name>').description('stop and remove a plugin from the gateway (in-flight calls finish first)'))).action(
    (name: string, flags: Flags) =>
      runAction(io, flags.json === true, async (out) => {
        const gateway = gatewayFrom(flags, io);
        const current = await gateway.get(name);
        if (!current) throw new CliError('NOT_FOUND', `${name} is not installed on ${gateway.url}`);
        await gateway.remove(name);
        out.result({ removed: name, version: current.version }, () => `removed ${name}${current.version ? ` ${current.version}` : ''} from ${gateway.url}`);
      }),
  );
}

function describeSignature(status: string, keyId: string | undefined): string {
  if (status === 'valid') return `signature valid, key ${keyId}`;
  if (status === 'untrusted-key') return `signed by untrusted key ${keyId}`;
  return status;
}
