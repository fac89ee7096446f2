// The command tree, built around an IO so tests can run commands in-process.
import { Command, CommanderError } from 'commander';
import { GATEWAY_VERSION } from '../version.js';
import { registerAuthorCommands } from './author-commands.js';
import { EXIT, type ExitCode } from './cli-error.js';
import type { CliIO } from './cli-io.js';
import { registerKeyCommands } from './key-commands.js';
import { registerMarketCommands } from './market-commands.js';
import { registerRegistryCommands } from './registry-commands.js';

/** Adds `plugin ...`, `keygen` and `registry ...` to a program. */
export function registerToolCommands(program: Command, io: CliIO): void {
  const plugin = program.command('plugin').description('create, check, sign and publish plugins; install and update them from a marketplace');
  registerAuthorCommands(plugin, io);
  registerMarketCommands(plugin, io);
  registerKeyCommands(program, io);
  registerRegistryCommands(program, io);
}

/**
 * Runs one command line (argv without node and script) against `io`; returns its exit code.
 * Usage errors exit 2, --help and --version 0.
 */
export async function runCli(args: string[], io: CliIO, extend?: (program: Command, io: CliIO) => void): Promise<ExitCode> {
  const program = new Command('modgate').description('modgate: plugin gateway for vector databases').version(GATEWAY_VERSION);
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  extend?.(program, io);
  registerToolCommands(program, io);
  io.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  return io.exitCode ?? EXIT.ok;
}
