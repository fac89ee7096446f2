// resources.memory for a plugin process: an address-space limit (RLIMIT_AS) set before the
// plugin's program runs, with util-linux `prlimit --as=<bytes> -- cmd` (it sets the limit on
// itself and execs, so the pid stays the plugin's), or `sh -c 'ulimit -v'` where prlimit is
// missing. RLIMIT_AS counts reserved virtual memory, not resident memory: Node.js needs about
// 1 GiB of it to start, a Python gRPC server about 128 MiB (docs/grpc.md).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Command {
  file: string;
  args: string[];
}

/** The command that runs `command` with an address-space limit of `bytes` (none when undefined). */
export function withMemoryLimit(command: Command, bytes: number | undefined, prlimit: string | null): Command {
  if (bytes === undefined) return command;
  if (prlimit) return { file: prlimit, args: [`--as=${bytes}`, '--', command.file, ...command.args] };
  // $0 and $@ are the program and its arguments, passed as separate argv entries (never parsed).
  const kib = Math.max(1, Math.floor(bytes / 1024));
  return { file: '/bin/sh', args: ['-c', `ulimit -v ${kib} && exec "$0" "$@"`, command.file, ...command.args] };
}

/** Where prlimit is, searching PATH and the usual folders; null when it is not installed. */
export function findPrlimit(pathEnv: string | undefined = process.env.PATH): string | null {
  const dirs = [...(pathEnv ?? '').split(delimiter).filter((d) => d.startsWith('/')), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'prlimit');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
