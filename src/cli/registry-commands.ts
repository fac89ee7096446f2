// `modgate registry build`: (re)write a registry folder's index.json from its bundles.
import path from 'node:path';
import type { Command } from 'commander';
import { runAction, type CliIO } from './cli-io.js';
import { withJson, type CommonFlags } from './common-options.js';
import { buildRegistry } from './registry-store.js';

export function registerRegistryCommands(program: Command, io: CliIO): void {
  const registry = program.command('registry').description('maintain a static marketplace folder (index.json + bundles/)');
  withJson(
    registry
      .command('build <folder>')
      .description('rebuild index.json from every bundles/**/*.tgz (and .sig) in the folder; serve the folder with any web server or MODGATE_REGISTRY_DIR'),
  ).action((folder: string, flags: CommonFlags) =>
    runAction(io, flags.json === true, async (out) => {
      const index = await buildRegistry(folder);
      const versions = index.plugins.reduce((n, p) => n + p.versions.length, 0);
      out.result({ registry: path.resolve(folder), plugins: index.plugins.length, versions }, () =>
        `${path.resolve(folder)}/index.json: ${index.plugins.length} plugin(s), ${versions} version(s)`,
      );
    }),
  );
}
