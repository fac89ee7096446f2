// `modgate serve`: one flag per environment variable, named after it; bad values are reported
// under the name the operator used.
import t from 'tap';
import { describeSettings } from '../../src/config.js';
import type { CliIO } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/program.js';
import { flagOf, registerServeCommand } from '../../src/cli/serve-command.js';

async function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env, stderrIsTTY: false };
  const code = await runCli(['serve', ...args], io, registerServeCommand);
  return { code, stdout, stderr };
}

t.test('flags are the environment variables without MODGATE_, in kebab case', async (t) => {
  t.equal(flagOf('PORT'), 'port');
  t.equal(flagOf('MODGATE_PLUGINS_DIR'), 'plugins-dir');
  t.equal(flagOf('MODGATE_MAX_BATCH'), 'max-batch');
  t.equal(flagOf('MODGATE_LOAD_TIMEOUT'), 'load-timeout');
  const help = await serve(['--help']);
  t.equal(help.code, 0);
  for (const setting of describeSettings()) {
    t.match(help.stdout, `--${flagOf(setting.env)} `, `--help lists the flag for ${setting.env}`);
    t.match(help.stdout, new RegExp(`\\(env\\s+${setting.env}[,)]`), 'and names the variable (help text wraps)');
  }
  t.match(help.stdout, /--allow-native-uploads \[value\]/, 'a boolean flag may be given bare');
  t.match(help.stdout, /--port <value> +TCP port to listen on \(env PORT, default 8080\)/, 'defaults are shown');
});

t.test('a bad value is reported under the flag it came from, or the variable', async (t) => {
  const bad = await serve(['--port', 'eighty', '--load-timeout', 'soon', '--allow-native-uploads'], { MODGATE_WASM_THREADS: '-1' });
  t.equal(bad.code, 2, 'configuration errors exit 2');
  t.match(bad.stderr, /--port "eighty" is invalid: expected an integer from 0 to 65535/);
  t.match(bad.stderr, /--load-timeout "soon" is invalid: expected a duration such as 250ms, 30s or 2m/);
  t.match(bad.stderr, /MODGATE_WASM_THREADS="-1" is invalid/, 'a value from the environment keeps the variable name');
  t.notMatch(bad.stderr, /ALLOW_NATIVE_UPLOADS/, 'a bare boolean flag is a valid true');
});
