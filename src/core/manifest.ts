// plugin.yaml: the schema, parsing (with YAML limits), validation that reports every problem
// with its path, the plugin-folder path rules and the resource limits a manifest asks for.
// Reference for plugin authors: docs/manifest.md.
import { stat, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import semver from 'semver';
import { LineCounter, parseDocument, visit, type YAMLError } from 'yaml';
import { ModgateError, messageOf } from '../errors.js';
import { checkConfigValue } from './plugin-config.js';
import type { PluginType, RuntimeKind } from './types.js';
import { parseCpu, parseDuration, parseMemory } from './units.js';

export const MANIFEST_FILE = 'plugin.yaml';
export const MAX_MANIFEST_BYTES = 64 * 1024;

export const API_VERSIONS = ['modgate.io/v1', 'weaviate.io/v1'] as const;
export const CONFIG_VALUE_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;

/** A DNS-label-like slug: it names the plugin in URLs, folders and logs. */
export const PLUGIN_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** Config keys start with a letter, which also rules out `__proto__` and friends. */
export const CONFIG_KEY_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';

const NAME_RE = new RegExp(PLUGIN_NAME_PATTERN);
const CONFIG_KEY_RE = new RegExp(CONFIG_KEY_PATTERN);

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

const strict = { additionalProperties: false } as const;

const ConfigValueTypeSchema = Type.Union([
  Type.Literal('string'),
  Type.Literal('number'),
  Type.Literal('integer'),
  Type.Literal('boolean'),
  Type.Literal('array'),
  Type.Literal('object'),
]);

export const ConfigEntrySchema = Type.Object(
  {
    type: ConfigValueTypeSchema,
    required: Type.Optional(Type.Boolean()),
    default: Type.Optional(Type.Unknown()),
    secret: Type.Optional(Type.Boolean({ description: 'Never returned by the API nor logged ("***")' })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    enum: Type.Optional(Type.Array(Type.Unknown(), { minItems: 1, maxItems: 256 })),
    minimum: Type.Optional(Type.Number()),
    maximum: Type.Optional(Type.Number()),
    items: Type.Optional(Type.Object({ type: ConfigValueTypeSchema }, strict)),
  },
  strict,
);

/** memory `64Mi`, cpu `500m`, timeout `5s`, or a plain number (bytes, cores, ms). */
const Quantity = Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Number()]);

const RelativeFile = Type.String({ minLength: 1, maxLength: 1024, description: 'Path relative to the plugin folder' });

export const ManifestSchema = Type.Object(
  {
    apiVersion: Type.Union([Type.Literal('modgate.io/v1'), Type.Literal('weaviate.io/v1')]),
    kind: Type.Literal('Plugin'),
    metadata: Type.Object(
      {
        name: Type.String({ pattern: PLUGIN_NAME_PATTERN, maxLength: 63 }),
        version: Type.String({ minLength: 1, maxLength: 128, description: 'Semantic version, e.g. 1.0.0' }),
        author: Type.Optional(Type.String({ maxLength: 256 })),
        description: Type.Optional(Type.String({ maxLength: 4096 })),
        license: Type.Optional(Type.String({ maxLength: 256 })),
        homepage: Type.Optional(Type.String({ maxLength: 2048 })),
        tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
      },
      strict,
    ),
    spec: Type.Object(
      {
        type: Type.Union([
          Type.Literal('vectorizer'),
          Type.Literal('transformer'),
          Type.Literal('reranker'),
          Type.Literal('generator'),
          Type.Literal('storage'),
          Type.Literal('auth'),
        ]),
        runtime: Type.Union([Type.Literal('wasm'), Type.Literal('grpc'), Type.Literal('native')]),
        binary: Type.Optional(RelativeFile),
        args: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 64 })),
        endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'host:port or dns:///host:port' })),
        tls: Type.Optional(
          Type.Object(
            {
              enabled: Type.Optional(Type.Boolean()),
              ca: Type.Optional(RelativeFile),
              serverName: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
            },
            strict,
          ),
        ),
        dependencies: Type.Optional(
          Type.Array(
            Type.Object(
              {
                name: Type.String({ minLength: 1, maxLength: 128 }),
                version: Type.String({ minLength: 1, maxLength: 256, description: 'Semver range, e.g. ^1.15.0' }),
              },
              strict,
            ),
            { maxItems: 64 },
          ),
        ),
        resources: Type.Optional(
          Type.Object(
            {
              memory: Type.Optional(Quantity),
              cpu: Type.Optional(Quantity),
              timeout: Type.Optional(Quantity),
            },
            strict,
          ),
        ),
        capabilities: Type.Optional(
          Type.Object(
            {
              dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
              maxBatchSize: Type.Optional(Type.Integer({ minimum: 1 })),
              maxInputLength: Type.Optional(Type.Integer({ minimum: 1 })),
              model: Type.Optional(Type.String({ maxLength: 256 })),
              streaming: Type.Optional(Type.Boolean()),
            },
            strict,
          ),
        ),
        config: Type.Optional(
          Type.Record(Type.String({ pattern: CONFIG_KEY_PATTERN }), ConfigEntrySchema, {
            additionalProperties: false,
            maxProperties: 128,
          }),
        ),
      },
      strict,
    ),
  },
  { $id: 'Manifest', additionalProperties: false },
);

export type Manifest = Static<typeof ManifestSchema>;
export type ConfigEntry = Static<typeof ConfigEntrySchema>;
export type ConfigValueType = ConfigEntry['type'];

// The schema's literal unions must stay the contract's unions.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type _ManifestTypesMatchContract = [
  Assert<Same<Manifest['spec']['type'], PluginType>>,
  Assert<Same<Manifest['spec']['runtime'], RuntimeKind>>,
  Assert<Same<ConfigValueType, (typeof CONFIG_VALUE_TYPES)[number]>>,
];

export interface ResolvedLimits {
  memoryBytes: number;
  cpuMillis: number;
  timeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  memoryBytes: 64 * 1024 * 1024,
  cpuMillis: 1000,
  timeoutMs: 5000,
});

/** One thing wrong with a manifest; `message` starts with the path (`spec.cpu: ...`). */
export interface ManifestProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------

/** Parse and validate plugin.yaml text; throws MODGATE_MANIFEST_INVALID listing every problem. */
export function parseManifest(text: string | Uint8Array): Manifest {
  const size = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.byteLength;
  if (size > MAX_MANIFEST_BYTES) {
    throw invalid([problem('', `${MANIFEST_FILE} is ${size} bytes; the limit is ${MAX_MANIFEST_BYTES} bytes`)]);
  }
  let source: string;
  if (typeof text === 'string') {
    source = text;
  } else {
    try {
      source = new TextDecoder('utf-8', { fatal: true }).decode(text);
    } catch {
      throw invalid([problem('', `${MANIFEST_FILE} is not valid UTF-8 text`)]);
    }
  }
  return validateManifest(parseYaml(source));
}

function parseYaml(source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { uniqueKeys: true, prettyErrors: true, lineCounter });
  const problems = [...doc.errors, ...doc.warnings].map(yamlProblem);
  // Manifests need no aliases, so any alias is refused before anything is expanded:
  // a billion-laughs document never gets the chance to grow.
  visit(doc, {
    Alias(_key, node) {
      const pos = node.range ? lineCounter.linePos(node.range[0]) : undefined;
      const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      problems.push({
        path: '',
        message: `${where}YAML aliases (*${node.source}) are not allowed in ${MANIFEST_FILE}; write the value out`,
        ...(pos ? { line: pos.line, column: pos.col } : {}),
      });
      return visit.BREAK; // one is enough to refuse the document
    },
  });
  if (problems.length > 0) throw invalid(problems);
  try {
    // maxAliasCount 0 disables alias resolution entirely: a second guard behind the visit.
    return doc.toJS({ maxAliasCount: 0 });
  } catch (err) {
    throw invalid([problem('', `${MANIFEST_FILE} could not be read as YAML: ${messageOf(err)}`)]);
  }
}

function yamlProblem(err: YAMLError): ManifestProblem {
  const first = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const pos = err.linePos?.[0];
  if (!pos) return { path: '', message: `YAML: ${first}` };
  return { path: '', message: `line ${pos.line}, column ${pos.col}: ${first}`, line: pos.line, column: pos.col };
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

/** Validate an already parsed manifest object (schema + semantic rules). */
export function validateManifest(data: unknown): Manifest {
  if (data === null || data === undefined) {
    throw invalid([problem('', `${MANIFEST_FILE} is empty; it needs apiVersion, kind, metadata and spec`)]);
  }
  const schemaProblems = new Map<string, ManifestProblem>();
  for (const error of Value.Errors(ManifestSchema, data)) {
    const at = pointerToPath(error.path, data);
    const text = describeSchemaError(error);
    if (!schemaProblems.has(at)) schemaProblems.set(at, problem(at, at === '' ? `the manifest ${text}` : text));
  }
  const semantic = semanticProblems(data);
  // A semantic message is the more helpful one where both speak about the same field.
  const semanticPaths = new Set(semantic.map((p) => p.path));
  const problems = [...schemaProblems.values()].filter((p) => !semanticPaths.has(p.path)).concat(semantic);
  if (problems.length > 0) throw invalid(problems);
  return data as Manifest;
}

function invalid(problems: ManifestProblem[]): ModgateError {
  const head = problems.length === 1 ? 'invalid plugin manifest' : `invalid plugin manifest (${problems.length} problems)`;
  return new ModgateError('MODGATE_MANIFEST_INVALID', `${head}: ${problems.map((p) => p.message).join('; ')}`, {
    details: problems,
  });
}

function problem(at: string, text: string): ManifestProblem {
  return { path: at, message: at === '' ? text : `${at}: ${text}` };
}

/** `/spec/dependencies/0/version` -> `spec.dependencies[0].version` (indices only for arrays). */
function pointerToPath(pointer: string, data: unknown): string {
  if (pointer === '') return '';
  let out = '';
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = Array.isArray(node) ? `${out}[${key}]` : join(out, key);
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

function join(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

function describeSchemaError(error: ValueError): string {
  const schema = error.schema as TSchema & Record<string, unknown>;
  const got = error.value === undefined ? '' : ` (got ${preview(error.value)})`;
  if (error.type === ValueErrorType.ObjectRequiredProperty || error.value === undefined) return 'is required';
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return unknownField(error);
    case ValueErrorType.String:
      return `must be a string${got}`;
    case ValueErrorType.Number:
      return `must be a number${got}`;
    case ValueErrorType.Integer:
      return schema.minimum === 1 ? `must be a positive integer${got}` : `must be an integer${got}`;
    case ValueErrorType.Boolean:
      return `must be true or false${got}`;
    case ValueErrorType.Object:
      return `must be a mapping (key: value)${got}`;
    case ValueErrorType.Array:
      return `must be a list${got}`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(schema.const)}${got}`;
    case ValueErrorType.Union:
      return `must be ${describeUnion(schema)}${got}`;
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? 'must not be empty' : `must be at least ${String(schema.minLength)} characters`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${String(schema.maxLength)} characters`;
    case ValueErrorType.StringPattern:
      return `${preview(error.value)} does not match ${String(schema.pattern)}`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return schema.minimum === 1 && schema.type === 'integer'
        ? `must be a positive integer${got}`
        : `must be at least ${String(schema.minimum)}${got}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be at most ${String(schema.maximum)}${got}`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${String(schema.minItems)} item(s)`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${String(schema.maxItems)} items`;
    case ValueErrorType.ObjectMaxProperties:
      return `must have at most ${String(schema.maxProperties)} keys`;
    default:
      return error.message;
  }
}

function describeUnion(schema: Record<string, unknown>): string {
  const options = (schema.anyOf as Array<Record<string, unknown>>) ?? [];
  if (options.every((o) => 'const' in o)) return `one of ${options.map((o) => String(o.const)).join(', ')}`;
  return options.map((o) => (o.type === 'string' ? 'a string' : o.type === 'number' ? 'a number' : String(o.type))).join(' or ');
}

function unknownField(error: ValueError): string {
  const parent = error.schema as Record<string, unknown>;
  const key = error.path.slice(error.path.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~');
  if (parent.patternProperties) return configKeyMessage();
  const known = Object.keys((parent.properties as Record<string, unknown>) ?? {});
  const guess = closest(key, known);
  const hint = guess ? `did you mean ${guess}?` : `known fields: ${known.join(', ')}`;
  return `is not a known field (${hint})`;
}

function configKeyMessage(): string {
  return "is not a valid config key (letters, digits, '_' and '-', starting with a letter, at most 64 characters)";
}

/** The known name closest to a typo, if any is close enough to be a plausible intent. */
function closest(input: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

function preview(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(obj, key) && obj[key] !== undefined;
}

// ---- semantic rules: run on the raw data, each one only where the shape allows it -------

function semanticProblems(data: unknown): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  if (!isRecord(data)) return out;
  if (isRecord(data.metadata)) checkMetadata(data.metadata, out);
  if (isRecord(data.spec)) checkSpec(data.spec, out);
  return out;
}

function checkMetadata(metadata: Record<string, unknown>, out: ManifestProblem[]): void {
  const { name, version } = metadata;
  if (typeof name === 'string' && !NAME_RE.test(name)) {
    out.push(
      problem(
        'metadata.name',
        `${preview(name)} is not a valid plugin name (lowercase letters, digits and '-', ` +
          'at most 63 characters, starting and ending with a letter or digit, e.g. custom-embedder)',
      ),
    );
  }
  if (typeof version === 'string' && !isStrictSemver(version)) {
    out.push(problem('metadata.version', `${preview(version)} is not a semantic version (use MAJOR.MINOR.PATCH, e.g. 1.0.0)`));
  }
}

function isStrictSemver(version: string): boolean {
  return /^\d/.test(version) && version.trim() === version && semver.valid(version) !== null;
}

function checkSpec(spec: Record<string, unknown>, out: ManifestProblem[]): void {
  checkRuntimeFields(spec, out);
  if (typeof spec.binary === 'string') checkRelativeField('spec.binary', spec.binary, out);
  if (typeof spec.endpoint === 'string' && !isEndpoint(spec.endpoint)) {
    out.push(problem('spec.endpoint', `${preview(spec.endpoint)} is not an endpoint (use host:port or dns:///host:port)`));
  }
  if (isRecord(spec.tls) && typeof spec.tls.ca === 'string') checkRelativeField('spec.tls.ca', spec.tls.ca, out);
  if (Array.isArray(spec.dependencies)) checkDependencies(spec.dependencies, out);
  if (isRecord(spec.resources)) checkResources(spec.resources, out);
  if (isRecord(spec.config)) checkConfigDeclarations(spec.config, out);
}

function checkRuntimeFields(spec: Record<string, unknown>, out: ManifestProblem[]): void {
  const runtime = spec.runtime;
  if (runtime === 'grpc') {
    if (has(spec, 'binary') && has(spec, 'endpoint')) {
      out.push(
        problem(
          'spec.endpoint',
          'give either binary (a program the gateway starts) or endpoint (a server that is already running), not both',
        ),
      );
    } else if (!has(spec, 'binary') && !has(spec, 'endpoint')) {
      out.push(
        problem('spec.binary', 'a grpc plugin needs binary (a program the gateway starts) or endpoint (a running server)'),
      );
    }
    if (has(spec, 'args') && !has(spec, 'binary')) {
      out.push(problem('spec.args', 'only applies to a grpc binary (the gateway passes them when it starts it)'));
    }
    if (has(spec, 'tls') && !has(spec, 'endpoint')) {
      out.push(problem('spec.tls', 'only applies to a grpc endpoint (a local binary is reached over a private socket)'));
    }
    return;
  }
  if (runtime !== 'wasm' && runtime !== 'native') return;
  if (!has(spec, 'binary')) {
    const what = runtime === 'wasm' ? 'the .wasm module' : 'the JavaScript module';
    out.push(problem('spec.binary', `is required for a ${runtime} plugin (${what}, relative to the plugin folder)`));
  }
  for (const field of ['endpoint', 'args', 'tls']) {
    if (has(spec, field)) out.push(problem(`spec.${field}`, `only a grpc plugin can use ${field}, not a ${runtime} one`));
  }
}

function checkRelativeField(at: string, value: string, out: ManifestProblem[]): void {
  const reason = relativePathProblem(value);
  if (reason) out.push(problem(at, `${preview(value)} ${reason}`));
}

const HOST_LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const ENDPOINT_RE = new RegExp(`^(?:dns:///)?(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9A-Fa-f:.]+\\]):(\\d{1,5})$`);

function isEndpoint(value: string): boolean {
  const m = ENDPOINT_RE.exec(value);
  if (!m) return false;
  const port = Number(m[1]);
  return port >= 1 && port <= 65535;
}

function checkDependencies(dependencies: unknown[], out: ManifestProblem[]): void {
  const seen = new Set<string>();
  dependencies.forEach((dep, i) => {
    if (!isRecord(dep)) return;
    const at = join('spec.dependencies', i);
    if (typeof dep.name === 'string') {
      if (seen.has(dep.name)) out.push(problem(`${at}.name`, `${preview(dep.name)} is listed more than once`));
      seen.add(dep.name);
    }
    if (typeof dep.version === 'string' && semver.validRange(dep.version) === null) {
      out.push(problem(`${at}.version`, `${preview(dep.version)} is not a semver range (e.g. ^1.15.0 or >=1.2.0 <2.0.0)`));
    }
  });
}

const PARSERS: ReadonlyArray<[field: 'memory' | 'cpu' | 'timeout', parse: (v: string | number) => number]> = [
  ['memory', parseMemory],
  ['cpu', parseCpu],
  ['timeout', parseDuration],
];

function checkResources(resources: Record<string, unknown>, out: ManifestProblem[]): void {
  for (const [field, parse] of PARSERS) {
    const value = resources[field];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    try {
      parse(value);
    } catch (err) {
      out.push(problem(`spec.resources.${field}`, messageOf(err)));
    }
  }
}

function checkConfigDeclarations(config: Record<string, unknown>, out: ManifestProblem[]): void {
  for (const key of Object.getOwnPropertyNames(config)) {
    const at = join('spec.config', key);
    if (!CONFIG_KEY_RE.test(key)) {
      out.push(problem(at, configKeyMessage()));
      continue;
    }
    const entry = config[key];
    // Only entries with the right shape get the finer checks; the schema reports the rest.
    if (!Value.Check(ConfigEntrySchema, entry)) continue;
    const numeric = entry.type === 'number' || entry.type === 'integer';
    if (entry.items !== undefined && entry.type !== 'array') {
      out.push(problem(`${at}.items`, `only an array key takes items (this key is ${entry.type})`));
    }
    for (const bound of ['minimum', 'maximum'] as const) {
      if (entry[bound] !== undefined && !numeric) {
        out.push(problem(`${at}.${bound}`, `only a number or integer key takes ${bound} (this key is ${entry.type})`));
      }
    }
    if (numeric && entry.minimum !== undefined && entry.maximum !== undefined && entry.minimum > entry.maximum) {
      out.push(problem(`${at}.minimum`, `${entry.minimum} is greater than maximum ${entry.maximum}`));
    }
    const shape: ConfigEntry = { type: entry.type };
    if (entry.items !== undefined) shape.items = entry.items;
    entry.enum?.forEach((option, i) => {
      for (const p of checkConfigValue(shape, option, join(`${at}.enum`, i))) out.push(p);
    });
    if (entry.default !== undefined) {
      for (const p of checkConfigValue(entry, entry.default, `${at}.default`)) out.push(p);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Plugin folder paths
// ---------------------------------------------------------------------------------------

const RELATIVE_HINT = 'use a path relative to the plugin folder, e.g. ./embedder.wasm';

/** Why a manifest path may not be used, or undefined when its syntax is fine. */
function relativePathProblem(relative: string): string | undefined {
  if (relative === '') return 'is empty';
  if (relative.includes('\0')) return 'contains a NUL byte';
  if (relative.includes('\\')) return `contains a backslash (separate folders with /; ${RELATIVE_HINT})`;
  if (path.posix.isAbsolute(relative) || /^[A-Za-z]:/.test(relative)) return `is an absolute path (${RELATIVE_HINT})`;
  const normalized = path.posix.normalize(relative);
  if (normalized === '..' || normalized.startsWith('../')) return `leaves the plugin folder (${RELATIVE_HINT})`;
  if (normalized === '.' || normalized === './' || normalized.endsWith('/')) return 'names a folder, not a file';
  return undefined;
}

/** True when `target` lies strictly inside `root` (both absolute). Never startsWith(root). */
function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function pathError(text: string): ModgateError {
  return invalid([problem('', text)]);
}

/** The absolute path of a file named relative to a plugin folder; refuses anything that leaves it. */
export function resolvePluginPath(dir: string, relative: string): string {
  const reason = typeof relative === 'string' ? relativePathProblem(relative) : 'is not a string';
  if (reason) throw pathError(`${preview(relative)} ${reason}`);
  const root = path.resolve(dir);
  const resolved = path.resolve(root, relative);
  if (!isInside(root, resolved)) throw pathError(`${preview(relative)} leaves the plugin folder (${RELATIVE_HINT})`);
  return resolved;
}

/**
 * Real path of an existing file in a plugin folder (`file` relative to it, or absolute), after
 * following symlinks: a link that leads out of the folder is refused.
 */
export async function assertInsidePluginDir(dir: string, file: string): Promise<string> {
  const lexical = path.isAbsolute(file) ? path.resolve(file) : resolvePluginPath(dir, file);
  let realRoot: string;
  try {
    realRoot = await realpath(dir);
  } catch (err) {
    throw pathError(`plugin folder ${dir} cannot be read: ${messageOf(err)}`);
  }
  let realFile: string;
  try {
    realFile = await realpath(lexical);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw pathError(`${preview(file)} does not exist in the plugin folder`);
    throw pathError(`${preview(file)} cannot be read: ${messageOf(err)}`);
  }
  if (!isInside(realRoot, realFile)) {
    throw pathError(`${preview(file)} leads outside the plugin folder (symlinks must stay inside it)`);
  }
  return realFile;
}

/** Read, parse and validate `dir/plugin.yaml`, then check the files it names exist inside `dir`. */
export async function readManifest(dir: string): Promise<Manifest> {
  const root = path.resolve(dir);
  const file = path.join(root, MANIFEST_FILE);
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw pathError(`${root} has no ${MANIFEST_FILE}`);
    throw pathError(`${file} cannot be read: ${messageOf(err)}`);
  }
  if (!info.isFile()) throw pathError(`${file} is not a regular file`);
  // Refuse an oversized file without reading it.
  if (info.size > MAX_MANIFEST_BYTES) {
    throw pathError(`${MANIFEST_FILE} is ${info.size} bytes; the limit is ${MAX_MANIFEST_BYTES} bytes`);
  }
  const real = await assertInsidePluginDir(root, MANIFEST_FILE);
  const manifest = parseManifest(await readCapped(real, MAX_MANIFEST_BYTES));
  const problems: ManifestProblem[] = [];
  await checkFileField(root, 'spec.binary', manifest.spec.binary, problems);
  await checkFileField(root, 'spec.tls.ca', manifest.spec.tls?.ca, problems);
  if (problems.length > 0) throw invalid(problems);
  return manifest;
}

/** At most cap+1 bytes, so a file that grew after stat() still fails the size check. */
async function readCapped(file: string, cap: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(cap + 1);
    let total = 0;
    while (total < buffer.length) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return buffer.subarray(0, total);
  } finally {
    await handle.close();
  }
}

async function checkFileField(root: string, at: string, relative: string | undefined, out: ManifestProblem[]) {
  if (relative === undefined) return;
  try {
    const real = await assertInsidePluginDir(root, relative);
    if (!(await stat(real)).isFile()) out.push(problem(at, `${preview(relative)} is not a regular file`));
  } catch (err) {
    const detail = (err as ModgateError).details as ManifestProblem[] | undefined;
    out.push(problem(at, detail?.[0]?.message ?? messageOf(err)));
  }
}

// ---------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------

/** The manifest's resources as numbers, falling back to `defaults` field by field. */
export function resolveLimits(manifest: Manifest, defaults: ResolvedLimits = DEFAULT_LIMITS): ResolvedLimits {
  const resources = manifest.spec.resources;
  const pick = (field: 'memory' | 'cpu' | 'timeout', parse: (v: string | number) => number, fallback: number) => {
    const value = resources?.[field];
    if (value === undefined) return fallback;
    try {
      return parse(value);
    } catch (err) {
      throw invalid([problem(`spec.resources.${field}`, messageOf(err))]);
    }
  };
  return {
    memoryBytes: pick('memory', parseMemory, defaults.memoryBytes),
    cpuMillis: pick('cpu', parseCpu, defaults.cpuMillis),
    timeoutMs: pick('timeout', parseDuration, defaults.timeoutMs),
  };
}
