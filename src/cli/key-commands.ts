// `modgate keygen`: an ed25519 key pair as PEM files for signing plugin bundles.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { runAction, type CliIO } from './cli-io.js';
import { withJson, type CommonFlags } from './common-options.js';
import { generateKeyPair } from './keys.js';

export function registerKeyCommands(program: Command, io: CliIO): void {
  withJson(
    program
      .command('keygen')
      .description('create an ed25519 signing key pair: <out>.key (private, mode 0600) and <out>.pub (give this one to installers)')
      .option('--out <prefix>', 'file name prefix', 'modgate-signing')
      .option('--force', 'overwrite existing key files'),
  ).action((flags: CommonFlags & { out: string; force?: boolean }) =>
    runAction(io, flags.json === true, async (out) => {
      const pair = generateKeyPair();
      const privateFile = path.resolve(`${flags.out}.key`);
      const publicFile = path.resolve(`${flags.out}.pub`);
      const flag = flags.force ? 'w' : 'wx';
      // Checked before writing either file, so a refusal never leaves half a pair behind.
      const existing = flags.force ? undefined : [privateFile, publicFile].find((file) => existsSync(file));
      if (existing) throw new CliError('USAGE', `${existing} already exists; pass --force to replace it or choose another --out`);
      try {
        await writeFile(privateFile, pair.privateKeyPem, { mode: 0o600, flag });
        await writeFile(publicFile, pair.publicKeyPem, { mode: 0o644, flag });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new CliError('USAGE', `${(err as NodeJS.ErrnoException).path} already exists; pass --force to replace it or choose another --out`);
        }
        throw err;
      }
      out.result({ keyId: pair.keyId, privateKey: privateFile, publicKey: publicFile }, () =>
        `key ${pair.keyId}\n  private: ${privateFile} (keep it secret; sign with: modgate plugin sign <bundle> --key ${privateFile})\n  public:  ${publicFile} (installers add it to MODGATE_TRUSTED_KEYS)`,
      );
    }),
  );
}
