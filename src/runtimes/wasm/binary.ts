// Reading and rewriting a WebAssembly binary, just enough to enforce the memory cap and to
// check the ABI's export signatures: sections (id, LEB128 size), the import section (2),
// the memory section (5), and the type (1), function (3) and export (7) sections.
//
// The memory cap works by rewriting every memory's limits to maximum = min(declared, cap):
// the engine then refuses any memory.grow past the cap inside the module itself (grow returns
// -1), which worker resourceLimits cannot do for WebAssembly memory.

export const WASM_PAGE_BYTES = 65_536;
/** A 32-bit memory cannot have more pages than this (4 GiB). */
export const MAX_WASM32_PAGES = 65_536;

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VERSION_1 = [0x01, 0x00, 0x00, 0x00];

export const SECTION = { custom: 0, type: 1, import: 2, function: 3, memory: 5, export: 7 } as const;

const LIMITS_HAS_MAX = 0x01;
const LIMITS_SHARED = 0x02;
const LIMITS_64 = 0x04;

/** The binary cannot be used; `message` says what is wrong with it. */
export class WasmBinaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmBinaryError';
  }
}

// ---------------------------------------------------------------------------------------
// LEB128
// ---------------------------------------------------------------------------------------

/** Unsigned LEB128 of a non-negative safe integer. */
export function encodeUleb(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot LEB128-encode ${value}`);
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** A cursor over the bytes of a module that fails with a message naming the offset. */
export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string): never {
    throw new WasmBinaryError(`malformed module at byte ${this.pos}: ${what}`);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end of data');
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128 of at most `maxBits` bits (32 or 64; 64-bit values must stay below 2^53). */
  uleb(maxBits = 32): number {
    let result = 0;
    let scale = 1;
    const maxBytes = Math.ceil(maxBits / 7);
    for (let i = 0; i < maxBytes; i++) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(result) || result >= 2 ** maxBits) this.fail(`LEB128 value out of range for u${maxBits}`);
        return result;
      }
      scale *= 128;
    }
    return this.fail(`LEB128 longer than ${maxBytes} bytes`);
  }

  /** Signed LEB128 (s33 heap types): read and discarded, only its length matters here. */
  skipSleb(): void {
    for (let i = 0; i < 10; i++) if ((this.u8() & 0x80) === 0) return;
    this.fail('signed LEB128 longer than 10 bytes');
  }

  bytesOf(length: number): Uint8Array {
    if (length > this.end - this.pos) this.fail(`length ${length} runs past the end`);
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  name(): string {
    const raw = this.bytesOf(this.uleb());
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return this.fail('a name is not valid UTF-8');
    }
  }
}

// ---------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export function readSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new WasmBinaryError('not a WebAssembly module (the file does not start with \\0asm)');
  }
  if (VERSION_1.some((b, i) => bytes[4 + i] !== b)) {
    throw new WasmBinaryError(
      `unsupported binary version ${Array.from(bytes.subarray(4, 8)).join('.')} (only core modules, version 1, are supported; not components)`,
    );
  }
  const reader = new Reader(bytes, 8);
  const sections: Section[] = [];
  while (!reader.done) {
    const start = reader.pos;
    const id = reader.u8();
    const size = reader.uleb();
    const contentStart = reader.pos;
    if (size > bytes.length - contentStart) reader.fail(`section ${id} claims ${size} bytes but only ${bytes.length - contentStart} remain`);
    reader.pos += size;
    sections.push({ id, start, contentStart, end: reader.pos });
  }
  return sections;
}

// ---------------------------------------------------------------------------------------
// Types, imports, exports
// ---------------------------------------------------------------------------------------

const VALTYPE_NAMES: Readonly<Record<number, string>> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };

export interface FuncType {
  params: string[];
  results: string[];
}

export function formatFuncType(type: FuncType): string {
  return `(${type.params.join(', ')}) -> ${type.results.length === 0 ? '()' : type.results.join(', ')}`;
}

function valtype(reader: Reader): string {
  const byte = reader.u8();
  const numeric = VALTYPE_NAMES[byte];
  if (numeric) return numeric;
  if (byte === 0x63 || byte === 0x64) {
    reader.skipSleb(); // (ref null? heaptype)
    return 'ref';
  }
  if (byte >= 0x69 && byte <= 0x74) return 'ref'; // funcref, externref and the GC shorthands
  return reader.fail(`unknown value type 0x${byte.toString(16)}`);
}

function valtypes(reader: Reader): string[] {
  const count = reader.uleb();
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(valtype(reader));
  return out;
}

/** The function types of the type section, or undefined when it uses forms beyond MVP func types (GC rec groups). */
function readTypes(reader: Reader): FuncType[] | undefined {
  const count = reader.uleb();
  const types: FuncType[] = [];
  for (let i = 0; i < count; i++) {
    const form = reader.u8();
    if (form !== 0x60) return undefined;
    types.push({ params: valtypes(reader), results: valtypes(reader) });
  }
  return types;
}

export interface MemoryLimits {
  initialPages: number;
  maximumPages: number | undefined;
  shared: boolean;
  memory64: boolean;
}

function readLimits(reader: Reader): MemoryLimits {
  const flags = reader.u8();
  if (flags > 0x07) reader.fail(`unknown limits flags 0x${flags.toString(16)}`);
  const memory64 = (flags & LIMITS_64) !== 0;
  const bits = memory64 ? 64 : 32;
  const initialPages = reader.uleb(bits);
  const maximumPages = (flags & LIMITS_HAS_MAX) !== 0 ? reader.uleb(bits) : undefined;
  return { initialPages, maximumPages, shared: (flags & LIMITS_SHARED) !== 0, memory64 };
}

function encodeLimits(initialPages: number, maximumPages: number): number[] {
  return [LIMITS_HAS_MAX, ...encodeUleb(initialPages), ...encodeUleb(maximumPages)];
}

export type ImportKind = 'function' | 'table' | 'memory' | 'global' | 'tag';

export interface ImportEntry {
  module: string;
  name: string;
  kind: ImportKind;
  /** Function imports: the type index. */
  typeIndex?: number;
  /** Memory imports: the declared limits. */
  limits?: MemoryLimits;
  /** Memory imports: where the limits are, to rewrite them. */
  limitsStart?: number;
  limitsEnd?: number;
}

function readImports(reader: Reader): ImportEntry[] {
  const count = reader.uleb();
  const entries: ImportEntry[] = [];
  for (let i = 0; i < count; i++) {
    const module = reader.name();
    const name = reader.name();
    const kindByte = reader.u8();
    switch (kindByte) {
      case 0x00:
        entries.push({ module, name, kind: 'function', typeIndex: reader.uleb() });
        break;
      case 0x01:
        valtype(reader);
        readLimits(reader);
        entries.push({ module, name, kind: 'table' });
        break;
      case 0x02: {
        const limitsStart = reader.pos;
        const limits = readLimits(reader);
        entries.push({ module, name, kind: 'memory', limits, limitsStart, limitsEnd: reader.pos });
        break;
      }
      case 0x03:
        valtype(reader);
        reader.u8(); // mutability
        entries.push({ module, name, kind: 'global' });
        break;
      case 0x04:
        reader.u8(); // tag attribute
        reader.uleb();
        entries.push({ module, name, kind: 'tag' });
        break;
      default:
        reader.fail(`unknown import kind 0x${kindByte.toString(16)} for "${module}"."${name}"`);
    }
  }
  return entries;
}

export interface ExportEntry {
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
  index: number;
}

const EXPORT_KINDS = ['function', 'table', 'memory', 'global', 'tag'] as const;

function readExports(reader: Reader): ExportEntry[] {
  const count = reader.uleb();
  const entries: ExportEntry[] = [];
  for (let i = 0; i < count; i++) {
    const name = reader.name();
    const kindByte = reader.u8();
    const kind = EXPORT_KINDS[kindByte];
    if (kind === undefined) reader.fail(`unknown export kind 0x${kindByte.toString(16)} for "${name}"`);
    entries.push({ name, kind, index: reader.uleb() });
  }
  return entries;
}

function readFunctionTypeIndexes(reader: Reader): number[] {
  const count = reader.uleb();
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(reader.uleb());
  return out;
}

// ---------------------------------------------------------------------------------------
// The analysis and the memory rewrite
// ---------------------------------------------------------------------------------------

export interface MemoryInfo {
  imported: boolean;
  /** Import module and name, for an imported memory. */
  module?: string;
  name?: string;
  declared: MemoryLimits;
  /** The limits after the cap: what the module now says. */
  initialPages: number;
  maximumPages: number;
}

export interface CappedModule {
  /** The module bytes with every memory's maximum rewritten to min(declared, cap). */
  bytes: Uint8Array;
  memories: MemoryInfo[];
  imports: ImportEntry[];
  exports: ExportEntry[];
  /** Export name -> signature, for exported functions whose type could be read. */
  exportSignatures: Map<string, FuncType>;
  /** Import "module.name" -> signature for function imports whose type could be read. */
  importSignatures: Map<string, FuncType>;
  capPages: number;
}

/** The memory cap in whole pages (a partial page cannot be used). */
export function capToPages(capBytes: number): number {
  return Math.min(MAX_WASM32_PAGES, Math.floor(capBytes / WASM_PAGE_BYTES));
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function checkMemory(limits: MemoryLimits, capPages: number, what: string): number {
  if (limits.memory64) throw new WasmBinaryError(`${what} is a 64-bit memory; only 32-bit memories are supported`);
  if (limits.shared) throw new WasmBinaryError(`${what} is a shared memory; shared memories (threads) are not supported`);
  if (limits.initialPages > capPages) {
    throw new WasmBinaryError(
      `${what} starts at ${limits.initialPages} pages (${formatBytes(limits.initialPages * WASM_PAGE_BYTES)}), above the memory cap of ${capPages} pages (${formatBytes(capPages * WASM_PAGE_BYTES)}); raise spec.resources.memory or shrink the module's initial memory`,
    );
  }
  return Math.min(limits.maximumPages ?? MAX_WASM32_PAGES, capPages);
}

/**
 * Parses the module, refuses memories it cannot cap (initial above the cap, shared, 64-bit)
 * and returns the bytes with every memory's maximum set to min(declared, cap).
 */
export function capMemory(input: Uint8Array, capBytes: number): CappedModule {
  const capPages = capToPages(capBytes);
  const sections = readSections(input);
  const seen = new Set<number>();
  for (const s of sections) {
    if (s.id !== SECTION.custom && seen.has(s.id)) throw new WasmBinaryError(`section ${s.id} appears twice`);
    seen.add(s.id);
  }
  const content = (s: Section) => new Reader(input, s.contentStart, s.end);
  const find = (id: number) => sections.find((s) => s.id === id);

  const importSection = find(SECTION.import);
  const imports = importSection ? readImports(content(importSection)) : [];
  const typeSection = find(SECTION.type);
  const types = typeSection ? readTypes(content(typeSection)) : [];
  const functionSection = find(SECTION.function);
  const ownFunctionTypes = functionSection ? readFunctionTypeIndexes(content(functionSection)) : [];
  const exportSection = find(SECTION.export);
  const exports = exportSection ? readExports(content(exportSection)) : [];

  const memories: MemoryInfo[] = [];
  const replacements = new Map<Section, Uint8Array>();

  // Imported memories: rewrite their limits in place inside the import section.
  const memoryImports = imports.filter((i) => i.kind === 'memory');
  if (importSection && memoryImports.length > 0) {
    const parts: number[][] = [];
    let cursor = importSection.contentStart;
    for (const entry of memoryImports) {
      const what = `imported memory "${entry.module}"."${entry.name}"`;
      const maximumPages = checkMemory(entry.limits!, capPages, what);
      parts.push(Array.from(input.subarray(cursor, entry.limitsStart)), encodeLimits(entry.limits!.initialPages, maximumPages));
      cursor = entry.limitsEnd!;
      memories.push({
        imported: true,
        module: entry.module,
        name: entry.name,
        declared: entry.limits!,
        initialPages: entry.limits!.initialPages,
        maximumPages,
      });
    }
    parts.push(Array.from(input.subarray(cursor, importSection.end)));
    replacements.set(importSection, Uint8Array.from(parts.flat()));
  }

  // Defined memories: re-encode the whole (small) memory section.
  const memorySection = find(SECTION.memory);
  if (memorySection) {
    const reader = content(memorySection);
    const count = reader.uleb();
    const encoded: number[] = encodeUleb(count);
    for (let i = 0; i < count; i++) {
      const declared = readLimits(reader);
      const maximumPages = checkMemory(declared, capPages, `memory ${memories.length}`);
      encoded.push(...encodeLimits(declared.initialPages, maximumPages));
      memories.push({ imported: false, declared, initialPages: declared.initialPages, maximumPages });
    }
    if (!reader.done) reader.fail('trailing bytes in the memory section');
    replacements.set(memorySection, Uint8Array.from(encoded));
  }

  const chunks: Uint8Array[] = [input.subarray(0, 8)];
  for (const section of sections) {
    const replaced = replacements.get(section);
    if (replaced === undefined) chunks.push(input.subarray(section.start, section.end));
    else chunks.push(Uint8Array.from([section.id, ...encodeUleb(replaced.length)]), replaced);
  }
  const bytes = concat(chunks);

  const exportSignatures = new Map<string, FuncType>();
  const importSignatures = new Map<string, FuncType>();
  if (types) {
    const functionTypes: Array<number | undefined> = [];
    for (const entry of imports) {
      if (entry.kind !== 'function') continue;
      functionTypes.push(entry.typeIndex);
      const type = types[entry.typeIndex!];
      if (type) importSignatures.set(`${entry.module}.${entry.name}`, type);
    }
    functionTypes.push(...ownFunctionTypes);
    for (const entry of exports) {
      if (entry.kind !== 'function') continue;
      const typeIndex = functionTypes[entry.index];
      const type = typeIndex === undefined ? undefined : types[typeIndex];
      if (type) exportSignatures.set(entry.name, type);
    }
  }
  return { bytes, memories, imports, exports, exportSignatures, importSignatures, capPages };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, c) => sum + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
