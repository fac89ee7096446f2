import type { Command } from 'commander';
import { ConfigError, describeSettings } from '../config.js';

/** `modgate serve`: every flag mirrors an environment variable (--port = PORT, ...). */
export function registerServeCommand(program: Command): void {
  const serve = program.command('serve').description('start the gateway serving the plugins folders');
  for (const setting of describeSettings()) {
    const flag = setting.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    serve.option(`--${flag} <value>`, `${setting.help} (env ${setting.env})`);
  }
  serve.action(async (flags: Record<string, string>) => {
    const env = { ...process.env };
    for (const setting of describeSettings()) {
      const value = flags[setting.key];
      if (value !== undefined) env[setting.env] = value;
    }
    try {
      // Loaded on demand: the other commands should not pay for the whole gateway.
      const { startServer } = await import('../server.js');
      await startServer({ env });
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(err.message);
        process.exitCode = 2;
        return;
      }
      throw err;
    }
  });
}
