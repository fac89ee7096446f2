// Where a command writes and what it reads from its environment, so commands run the same
// in a real process and in-process from tests. Human text by default; with --json, stdout
// gets exactly one JSON document ({ok: true, ...} or {ok: false, error}) per command.
import { ModgateError, isModgateError } from '../errors.js';
import { CliError, EXIT, type ExitCode } from './cli-error.js';
import { manifestProblems } from './validate.js';

export interface Sink {
  write(text: string): unknown;
}

export interface CliIO {
  stdout: Sink;
  stderr: Sink;
  env: NodeJS.ProcessEnv;
  /** Progress bars only when stderr is a terminal. */
  stderrIsTTY: boolean;
  /** The exit code of the last command that ran (set by runAction). */
  exitCode?: ExitCode;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, stderrIsTTY: Boolean(process.stderr.isTTY) };
}

export class Output {
  constructor(
    readonly io: CliIO,
    readonly json: boolean,
  ) {}

  /** The command's result: `data` as JSON with --json, else the text `human()` returns. */
  result(data: Record<string, unknown>, human: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify({ ok: true, ...data }, null, 2)}\n`);
    else {
      const text = human();
      if (text !== '') this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** Progress and notes for people: stderr, never mixed into --json output. */
  note(message: string): void {
    if (!this.json) this.io.stderr.write(`${message}\n`);
  }

  warn(message: string): void {
    this.io.stderr.write(`warning: ${message}\n`);
  }

  failure(err: CliError): void {
    if (this.json) {
      const error: Record<string, unknown> = { code: err.code, message: err.message };
      if (err.details !== undefined) error.details = err.details;
      this.io.stdout.write(`${JSON.stringify({ ok: false, error }, null, 2)}\n`);
      return;
    }
    this.io.stderr.write(`error: ${err.message}\n`);
  }
}

/** Anything a command threw, as a CliError with a useful message. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (isModgateError(err)) {
    const error = err as ModgateError;
    if (error.code === 'MODGATE_MANIFEST_INVALID') {
      const problems = manifestProblems(error);
      return new CliError('INVALID_PLUGIN', problems.join('; '), problems);
    }
    return new CliError('INVALID_PLUGIN', error.message);
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new CliError('IO', (err as Error).message);
  return new CliError('IO', `unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}

/** Runs a command body; failures become a message (or JSON) and an exit code, never a stack. */
export async function runAction(io: CliIO, json: boolean, body: (out: Output) => Promise<ExitCode | void>): Promise<void> {
  const out = new Output(io, json);
  try {
    io.exitCode = (await body(out)) ?? EXIT.ok;
  } catch (err) {
    const error = toCliError(err);
    out.failure(error);
    io.exitCode = error.exitCode;
  }
}
