// A plugin process's stdout/stderr lines into the gateway log (the logger is already tagged
// with the plugin's name). A line that is a JSON object with a level and a message (what the
// SDKs write, or pino / go-plugin hclog style) keeps its level; any other line is info.
import type { PluginLogger } from '../../core/types.js';

export const MAX_LOGGED_LINE = 8 * 1024;

type Level = keyof PluginLogger;

const LEVELS: Record<string, Level> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'error',
  critical: 'error',
};

const PINO_LEVELS: Array<[number, Level]> = [
  [50, 'error'],
  [40, 'warn'],
  [30, 'info'],
  [0, 'debug'],
];

export interface ParsedLine {
  level: Level;
  message: string;
}

export function parseOutputLine(line: string): ParsedLine {
  const text = line.length > MAX_LOGGED_LINE ? `${line.slice(0, MAX_LOGGED_LINE)}… (${line.length} characters)` : line;
  if (!text.startsWith('{')) return { level: 'info', message: text };
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { level: 'info', message: text };
    record = parsed as Record<string, unknown>;
  } catch {
    return { level: 'info', message: text };
  }
  const rawLevel = record.level ?? record['@level'];
  const rawMessage = record.msg ?? record.message ?? record['@message'];
  if (typeof rawMessage !== 'string') return { level: 'info', message: text };
  let level: Level = 'info';
  if (typeof rawLevel === 'string') level = LEVELS[rawLevel.toLowerCase()] ?? 'info';
  else if (typeof rawLevel === 'number') level = PINO_LEVELS.find(([min]) => rawLevel >= min)![1];
  const message = rawMessage.length > MAX_LOGGED_LINE ? `${rawMessage.slice(0, MAX_LOGGED_LINE)}…` : rawMessage;
  return { level, message };
}

export function logOutputLine(log: PluginLogger, stream: 'stdout' | 'stderr', line: string): void {
  if (line.trim() === '') return;
  const { level, message } = parseOutputLine(line);
  log[level](`[${stream}] ${message}`);
}
