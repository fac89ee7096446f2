// A download progress bar on stderr, only when stderr is a terminal and output is for people.
import cliProgress from 'cli-progress';
import type { Output } from './cli-io.js';
import type { ProgressListener } from './registry-client.js';

export function progressFactory(out: Output) {
  if (out.json || !out.io.stderrIsTTY) return undefined;
  return (label: string, size: number): { listener: ProgressListener; done(): void } => {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} bytes`,
        // The command's own stderr (process.stderr when run for real), so tests can watch it.
        stream: out.io.stderr as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(size, 0);
    return {
      listener: (received, total) => {
        if (total !== bar.getTotal()) bar.setTotal(total);
        bar.update(received);
      },
      done: () => bar.stop(),
    };
  };
}
