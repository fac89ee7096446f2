// `modgate plugin init`: copies a template folder (templates/<runtime>-<lang>/) into a new
// plugin folder, filling in {{placeholders}}. Each template builds with its own build.mjs and
// passes `modgate plugin validate` as created.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { PLUGIN_NAME_PATTERN } from '../core/manifest.js';
import { PLUGIN_TYPES, RUNTIME_KINDS } from '../core/types.js';
import { CliError } from './cli-error.js';
import { packageRoot } from './package-root.js';

export const TEMPLATE_META = 'template.json';

/** The language each runtime uses when --lang is not given. */
export const DEFAULT_LANG: Record<string, string> = { wasm: 'as', grpc: 'ts', native: 'ts' };

interface TemplateMeta {
  description: string;
  runtime: string;
  lang: string;
  types: string[];
  executable: string[];
  /** Folders of the modgate installation copied into the plugin (an SDK the source imports). */
  vendor?: Array<{ from: string; to: string }>;
}

export interface ScaffoldOptions {
  name: string;
  type: string;
  runtime: string;
  lang?: string;
  /** The folder to create; default ./<name>. */
  dir?: string;
  author?: string;
  /** Run the template's build.mjs after creating the folder (default true). */
  build?: boolean;
}

export interface ScaffoldResult {
  dir: string;
  template: string;
  files: string[];
  built: boolean;
}

export function templatesRoot(): string {
  return path.join(packageRoot(), 'templates');
}

export async function listTemplates(): Promise<Array<TemplateMeta & { id: string }>> {
  const root = templatesRoot();
  const out: Array<TemplateMeta & { id: string }> = [];
  for (const id of (await readdir(root)).sort()) {
    const meta = path.join(root, id, TEMPLATE_META);
    if (existsSync(meta)) out.push({ id, ...(JSON.parse(await readFile(meta, 'utf8')) as TemplateMeta) });
  }
  return out;
}

export async function scaffoldPlugin(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const { name, type, runtime } = options;
  if (!new RegExp(PLUGIN_NAME_PATTERN).test(name)) {
    throw new CliError('USAGE', `"${name}" is not a plugin name: lowercase letters, digits and dashes, starting and ending with a letter or digit (e.g. my-embedder)`);
  }
  if (!(PLUGIN_TYPES as readonly string[]).includes(type)) throw new CliError('USAGE', `--type must be one of ${PLUGIN_TYPES.join(', ')}`);
  if (!(RUNTIME_KINDS as readonly string[]).includes(runtime)) throw new CliError('USAGE', `--runtime must be one of ${RUNTIME_KINDS.join(', ')}`);
  const lang = options.lang ?? DEFAULT_LANG[runtime];
  const templates = await listTemplates();
  const template = templates.find((t) => t.runtime === runtime && t.lang === lang);
  if (!template) {
    const offered = templates.filter((t) => t.runtime === runtime).map((t) => t.lang);
    throw new CliError('USAGE', `no ${runtime} template for --lang ${lang}${offered.length ? ` (available: ${offered.join(', ')})` : ''}`);
  }
  if (!template.types.includes(type)) {
    throw new CliError('USAGE', `the ${runtime}/${lang} template covers --type ${template.types.join(', ')}, not ${type}`);
  }

  const dir = path.resolve(options.dir ?? name);
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new CliError('USAGE', `${dir} already exists and is not empty; choose another name or --dir`);
  }
  const values: Record<string, string> = {
    name,
    type,
    runtime,
    lang,
    author: options.author ?? safeUser(),
    modgateHome: packageRoot(),
  };
  for (const [key, value] of Object.entries({ ...values })) values[`${key}Json`] = JSON.stringify(value);

  const source = path.join(templatesRoot(), template.id);
  const files: string[] = [];
  await copyTemplate(source, dir, '', values, new Set(template.executable), files);
  for (const { from, to } of template.vendor ?? []) {
    // A copy, not a link: the folder must build on its own and pack (bundles refuse symlinks).
    await cp(path.join(packageRoot(), from), path.join(dir, to), { recursive: true });
    files.push(`${to}/`);
  }
  const built = options.build !== false && existsSync(path.join(dir, 'build.mjs'));
  if (built) runBuild(dir);
  return { dir, template: template.id, files, built };
}

async function copyTemplate(from: string, to: string, rel: string, values: Record<string, string>, executable: Set<string>, out: string[]) {
  await mkdir(path.join(to, rel), { recursive: true });
  for (const entry of (await readdir(path.join(from, rel))).sort()) {
    const childRel = rel === '' ? entry : `${rel}/${entry}`;
    if (childRel === TEMPLATE_META) continue;
    const info = await stat(path.join(from, childRel));
    const targetRel = fill(childRel, values);
    if (info.isDirectory()) {
      await copyTemplate(from, to, childRel, values, executable, out);
      continue;
    }
    const target = path.join(to, targetRel);
    await writeFile(target, fill(await readFile(path.join(from, childRel), 'utf8'), values));
    if (executable.has(childRel)) await chmod(target, 0o755);
    out.push(targetRel);
  }
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
}

export function runBuild(dir: string): void {
  const run = spawnSync(process.execPath, ['build.mjs'], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) {
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
    throw new CliError('INVALID_PLUGIN', `node build.mjs failed in ${dir}${output ? `:\n${output}` : ''}`);
  }
}

function safeUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
