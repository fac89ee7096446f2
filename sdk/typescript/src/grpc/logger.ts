// A plugin's log as JSON lines on stderr: the gateway logs each line under the plugin's name
// at the line's level (stdout carries the handshake, so logs never go there).
import type { PluginLogger } from '../../../../src/core/types.js';

export function stderrLogger(write: (line: string) => void = (line) => process.stderr.write(line)): PluginLogger {
  const log = (level: string) => (msg: string) => write(`${JSON.stringify({ level, msg })}\n`);
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
