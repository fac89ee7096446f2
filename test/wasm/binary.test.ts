// Reading and rewriting module binaries (the memory cap) and the load-time checks on a
// module's imports and exports.
import t from 'tap';
import { MAX_WASM32_PAGES, Reader, WasmBinaryError, capMemory, capToPages, encodeUleb, formatBytes, readSections } from '../../src/runtimes/wasm/binary.js';
import { encodeTextBatch, pack, requiredExports, unpack } from '../../src/runtimes/wasm/abi.js';
import { ModuleRefused, prepareModule } from '../../src/runtimes/wasm/prepare.js';
import { compileWat, fixtureWasm } from './helpers.js';

const MiB = 1024 * 1024;

t.test('LEB128 round trips and limits', async (t) => {
  for (const value of [0, 1, 127, 128, 255, 624485, 2 ** 32 - 1, 2 ** 40]) {
    const bytes = Uint8Array.from(encodeUleb(value));
    t.equal(new Reader(bytes).uleb(64), value, `${value}`);
  }
  t.same(encodeUleb(624485), [0xe5, 0x8e, 0x26]);
  t.throws(() => new Reader(Uint8Array.from(encodeUleb(2 ** 32))).uleb(32), WasmBinaryError, 'too big for u32');
  t.throws(() => new Reader(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uleb(32), /longer than 5 bytes/);
  t.throws(() => new Reader(Uint8Array.from([0x80])).uleb(), /unexpected end/);
  t.throws(() => encodeUleb(-1), RangeError);
});

t.test('the memory maximum becomes min(declared, cap); the result still compiles', async (t) => {
  const cases: Array<[string, number, number]> = [
    ['(memory (export "memory") 1)', 64 * MiB, 1024],
    ['(memory (export "memory") 1 10)', 64 * MiB, 10],
    ['(memory (export "memory") 2 65536)', 4 * MiB, 64],
    ['(memory (export "memory") 0)', 100_000, 1],
  ];
  for (const [memory, cap, expected] of cases) {
    const capped = capMemory(await compileWat(`(module ${memory} (func (export "f")))`), cap);
    t.equal(capped.memories[0].maximumPages, expected, `${memory} under ${formatBytes(cap)}`);
    const module = await WebAssembly.compile(capped.bytes);
    const instance = await WebAssembly.instantiate(module);
    const mem = instance.exports.memory as WebAssembly.Memory;
    t.throws(() => mem.grow(expected - capped.memories[0].initialPages + 1), RangeError, 'cannot grow past the new maximum');
  }
  t.equal(capToPages(64 * MiB), 1024);
  t.equal(capToPages(100_000), 1, 'partial pages do not count');
  t.equal(capToPages(8 * 1024 ** 3), MAX_WASM32_PAGES, 'a 32-bit memory has at most 4 GiB');
});

t.test('an imported memory is capped in the import section', async (t) => {
  const bytes = await compileWat('(module (import "env" "memory" (memory 2)) (import "mg" "log" (func (param i32 i32 i32))))');
  const capped = capMemory(bytes, 5 * 65536);
  t.same(capped.memories, [
    { imported: true, module: 'env', name: 'memory', declared: { initialPages: 2, maximumPages: undefined, shared: false, memory64: false }, initialPages: 2, maximumPages: 5 },
  ]);
  const module = await WebAssembly.compile(capped.bytes);
  t.same(WebAssembly.Module.imports(module), [
    { module: 'env', name: 'memory', kind: 'memory' },
    { module: 'mg', name: 'log', kind: 'function' },
  ], 'the other imports are untouched');
  t.same(capped.importSignatures.get('mg.log'), { params: ['i32', 'i32', 'i32'], results: [] });
  const tooSmall = new WebAssembly.Memory({ initial: 2, maximum: 6 });
  await t.rejects(WebAssembly.instantiate(module, { env: { memory: tooSmall }, mg: { log() {} } }), /maximum/, 'the rewritten import demands max <= cap');
});

t.test('modules the cap cannot work with are refused with the reason', async (t) => {
  const big = await compileWat('(module (memory 2048))');
  t.throws(() => capMemory(big, 64 * MiB), /memory 0 starts at 2048 pages \(128 MiB\), above the memory cap of 1024 pages \(64 MiB\); raise spec.resources.memory/);
  const shared = await compileWat('(module (memory 1 2 shared))', 'shared.wat', { threads: true });
  t.throws(() => capMemory(shared, 64 * MiB), /memory 0 is a shared memory; shared memories \(threads\) are not supported/);
  t.throws(() => readSections(new TextEncoder().encode('#!/bin/sh\necho hi\n')), /not a WebAssembly module/);
  t.throws(() => readSections(Uint8Array.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0])), /only core modules, version 1/, 'a component');
  t.throws(() => readSections(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 10, 1])), /section 5 claims 10 bytes but only 1 remain/);
  const twice = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 1, 0, 5, 1, 0]);
  t.throws(() => capMemory(twice, MiB), /section 5 appears twice/);
});

t.test('export signatures are read from the type, function and export sections', async (t) => {
  const capped = capMemory(await fixtureWasm('counter-vectorizer'), 64 * MiB);
  t.same(capped.exportSignatures.get('mg_vectorize'), { params: ['i32', 'i32'], results: ['i64'] });
  t.same(capped.exportSignatures.get('mg_free'), { params: ['i32', 'i32'], results: [] });
  t.same(capped.exportSignatures.get('mg_abi_version'), { params: [], results: ['i32'] });
  t.same(capped.imports.map((i) => `${i.module}.${i.name}`), ['mg.log', 'wasi_snapshot_preview1.clock_time_get']);
});

t.test('prepareModule refuses forbidden imports, missing exports and wrong signatures, naming them', async (t) => {
  const refused = async (wat: string, type: Parameters<typeof prepareModule>[1], pattern: RegExp) => {
    const err = await prepareModule(await compileWat(wat), type, 64 * MiB).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof ModuleRefused, `refused: ${pattern}`);
    t.match((err as Error).message, pattern);
  };
  const abi = `(memory (export "memory") 1)
    (func (export "mg_abi_version") (result i32) (i32.const 1))
    (func (export "mg_alloc") (param i32) (result i32) (i32.const 0))
    (func (export "mg_free") (param i32 i32))
    (func (export "mg_last_error") (result i64) (i64.const 0))`;
  await refused(`(module (import "env" "abort" (func (param i32 i32 i32 i32))) (import "env" "g" (global i32)) ${abi})`, 'reranker', /imports "env"\."abort" \(function\), "env"\."g" \(global\), which the sandbox does not provide/);
  await refused(`(module ${abi})`, 'reranker', /lacks the export "mg_rerank" that a reranker plugin needs/);
  await refused(`(module ${abi})`, 'storage', /lacks the exports "mg_put", "mg_get", "mg_delete", "mg_list" that a storage plugin needs/);
  await refused(`(module (func (export "mg_rerank") (param i32 i32) (result i64) (i64.const 0)))`, 'reranker', /has no memory/);
  await refused(
    `(module ${abi} (func (export "mg_rerank") (param i32 i32) (result i32) (i32.const 0)))`,
    'reranker',
    /export "mg_rerank" has type \(i32, i32\) -> i32; ABI v1 needs \(i32, i32\) -> i64/,
  );
  await refused(`(module ${abi} (global (export "mg_rerank") i32 (i32.const 0)))`, 'reranker', /export "mg_rerank" must be a function, not a global/);
  await refused(`(module (import "mg" "log" (func (param i32))) ${abi} (func (export "mg_rerank") (param i32 i32) (result i64) (i64.const 0)))`, 'reranker', /import "mg"\."log" has type \(i32\) -> \(\)/);
  await refused('(module (func (export "f") (result i32) (i64.const 0)))', 'reranker', /not valid WebAssembly/);
  try {
    await prepareModule(
      await compileWat(`(module (import "env" "fetch" (func)) ${abi} (global (export "mg_put") i32 (i32.const 0)) (func (export "mg_get") (result i32) (i32.const 0)))`),
      'storage',
      64 * MiB,
    );
    t.fail('a module with several problems was accepted');
  } catch (err) {
    t.strictSame(
      (err as ModuleRefused).problems,
      [
        'the module imports "env"."fetch" (function), which the sandbox does not provide; a WASM plugin may import only "mg"."log", "wasi_snapshot_preview1" functions and its memory',
        'the module lacks the exports "mg_delete", "mg_list" that a storage plugin needs (ABI v1, see sdk/ABI.md)',
        'export "mg_put" must be a function, not a global',
        'export "mg_get" has type () -> i32; ABI v1 needs (i32, i32) -> i64',
      ],
      'every import and export problem is reported at once',
    );
  }
  const ok = await prepareModule(await fixtureWasm('wasi-probe'), 'vectorizer', 64 * MiB);
  t.same(ok.wasiImports, ['fd_write', 'fd_prestat_get', 'path_open', 'args_sizes_get', 'environ_sizes_get', 'random_get', 'proc_exit']);
  t.equal(ok.memory.maximumPages, 1024);
});

t.test('ABI helpers: packing and the batch encoding', async (t) => {
  t.same(unpack(pack(1024, 16)), { ptr: 1024, len: 16 });
  t.same(unpack(pack(0xffff0000, 0xffffff00)), { ptr: 0xffff0000, len: 0xffffff00 }, 'a negative i64 unpacks as unsigned');
  t.equal(unpack(5), undefined, 'an i32 result is not a packed i64');
  const batch = encodeTextBatch(['a', 'é']);
  t.same(Array.from(batch), [2, 0, 0, 0, 1, 0, 0, 0, 0x61, 2, 0, 0, 0, 0xc3, 0xa9]);
  t.same(requiredExports('auth'), ['mg_abi_version', 'mg_alloc', 'mg_free', 'mg_last_error', 'mg_authenticate', 'mg_authorize']);
});
