// The download progress bar: drawn on a terminal, absent for scripts (--json) and pipes.
import t from 'tap';
import { Output, type CliIO } from '../../src/cli/cli-io.js';
import { progressFactory } from '../../src/cli/progress.js';

function io(stderrIsTTY: boolean) {
  let written = '';
  // A terminal as cli-progress sees one: isTTY, a width, and escape codes written to it.
  const stderr = { isTTY: stderrIsTTY, columns: 100, write: (text: string) => ((written += text), true) };
  const cliIO: CliIO = { stdout: { write: () => true }, stderr, env: {}, stderrIsTTY };
  return { cliIO, written: () => written };
}

t.test('on a terminal the bar follows the download to 100%', async (t) => {
  const { cliIO, written } = io(true);
  const factory = progressFactory(new Output(cliIO, false));
  t.ok(factory, 'a factory for people at a terminal');
  const bar = factory!('my-embedder-0.1.0.tgz', 1000);
  bar.listener(250, 1000);
  bar.listener(1200, 1200); // the real size differs from the index: the total follows
  bar.done();
  const text = written();
  t.match(text, /my-embedder-0\.1\.0\.tgz \[/, 'labelled with the bundle');
  t.match(text, /0% \| 0\/1000 bytes/, 'drawn at the start (redraws in between are throttled)');
  t.match(text, /100% \| 1200\/1200 bytes/, 'done, with the corrected total');
});

t.test('no bar for --json or when stderr is not a terminal', async (t) => {
  t.equal(progressFactory(new Output(io(true).cliIO, true)), undefined, '--json');
  t.equal(progressFactory(new Output(io(false).cliIO, false)), undefined, 'a pipe');
});
