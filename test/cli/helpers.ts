// Shared helpers for the CLI tests: temp folders, in-process and real-process CLI runs,
// hand-made (malicious) tar archives.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { Header } from 'tar';
import type { CliIO } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/program.js';
import { REPO_ROOT } from '../helpers/app.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function tempDir(t: Teardown, prefix = 'modgate-cli-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

function result(code: number, stdout: string, stderr: string): CliRun {
  return {
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

/** Runs a command line in this process (fast); `cwd`-relative paths must be absolute. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    stderrIsTTY: false,
  };
  const code = await runCli(args, io);
  return result(code, stdout, stderr);
}

let bundled: Promise<string> | undefined;

/**
 * The CLI entry (src/cli/main.ts) bundled once by esbuild, like the compiled dist/ build: it
 * starts in a fraction of the time `node --import tsx` needs, which matters for a test that
 * runs the binary twenty times. It lives two levels under the repository (node_modules/.x/) so
 * that packages, package.json (the version), templates/ and sdk/ resolve as from dist/src/cli/.
 */
export function cliBundle(): Promise<string> {
  bundled ??= (async () => {
    const outdir = await mkdtemp(path.join(REPO_ROOT, 'node_modules', '.modgate-cli-test-'));
    process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
    const outfile = path.join(outdir, 'main.mjs');
    await build({
      entryPoints: [path.join(REPO_ROOT, 'src', 'cli', 'main.ts')],
      outfile,
      bundle: true,
      packages: 'external',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
    });
    return outfile;
  })();
  return bundled;
}

/** Runs `modgate <args>` as a real process. */
export async function cliProcess(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  const main = await cliBundle();
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_NO_WARNINGS: '1', ...options.env };
    const child = spawn(process.execPath, [main, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve(result(code ?? -1, stdout, stderr)));
  });
}

export interface RawEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice';
  data?: string | Buffer;
  linkpath?: string;
  mode?: number;
}

/** A .tgz with exactly these entries, headers written by hand so anything can go in. */
export function rawTgz(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data === undefined ? Buffer.alloc(0) : Buffer.from(entry.data);
    const type = entry.type ?? 'File';
    const header = new Header({
      path: entry.path,
      mode: entry.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      size: type === 'File' ? data.length : 0,
      mtime: new Date(0),
      type,
      linkpath: entry.linkpath ?? '',
    });
    header.encode();
    blocks.push(header.block as Buffer);
    if (type === 'File' && data.length > 0) {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

export const MINIMAL_NATIVE_MANIFEST = (name = 'tiny', version = '1.0.0', extra = '') => `apiVersion: modgate.io/v1
kind: Plugin
metadata: { name: ${name}, version: ${version} }
spec:
  type: vectorizer
  runtime: native
  binary: ./index.mjs
${extra}`;
