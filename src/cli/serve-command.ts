import { Option, type Command } from 'commander';
import { ConfigError, describeSettings } from '../config.js';
import { EXIT } from './cli-error.js';
import type { CliIO } from './cli-io.js';

/** The flag for an environment variable: MODGATE_PLUGINS_DIR -> --plugins-dir, PORT -> --port. */
export function flagOf(env: string): string {
  return env.replace(/^MODGATE_/, '').toLowerCase().replaceAll('_', '-');
}

/** `modgate serve`: every flag mirrors an environment variable and wins over it. */
export function registerServeCommand(program: Command, io: CliIO): void {
  const serve = program.command('serve').description('start the gateway serving the plugins folders');
  const settings = describeSettings().map((setting) => {
    const flag = flagOf(setting.env);
    const isSwitch = typeof setting.default === 'boolean';
    // A boolean flag given bare means true (--allow-native-uploads); it still takes a value.
    // The default goes in the text, not as commander's default: an unset flag must leave the
    // environment variable in charge.
    const fallback = setting.default === undefined ? '' : `, default ${shownDefault(setting.default)}`;
    const option = new Option(`--${flag} ${isSwitch ? '[value]' : '<value>'}`, `${setting.help} (env ${setting.env}${fallback})`);
    serve.addOption(option);
    return { ...setting, attribute: option.attributeName() };
  });
  serve.action(async (flags: Record<string, string | true | undefined>) => {
    const env = { ...io.env };
    const given = settings.filter((setting) => flags[setting.attribute] !== undefined);
    for (const setting of given) {
      const value = flags[setting.attribute];
      env[setting.env] = value === true ? 'true' : String(value);
    }
    try {
      // Loaded on demand: the other commands should not pay for the whole gateway.
      const { startServer } = await import('../server.js');
      await startServer({ env });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // A value that came from a flag is reported under the flag's name.
      const problems = err.problems.map((problem) => {
        const setting = given.find((s) => problem.startsWith(`${s.env}=`));
        return setting ? `--${flagOf(setting.env)} ${problem.slice(setting.env.length + 1)}` : problem;
      });
      io.stderr.write(`${new ConfigError(problems).message}\n`);
      io.exitCode = EXIT.usage;
    }
  });
}

function shownDefault(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(':');
  return String(value);
}
