// The worker-side logic (what each pool worker runs), called directly: instance reuse and
// disposal, the host's checks on every pointer and length, WASI, logging, memory caps.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import type { LogLevel } from '../../src/runtimes/wasm/abi.js';
import { nearMemoryCap } from '../../src/runtimes/wasm/instance.js';
import { InstanceCache, type WasmRequest, type WasmTask } from '../../src/runtimes/wasm/tasks.js';
import { compileWat, fixtureWasm, fixtureWat, moduleRef } from './helpers.js';

type Line = { moduleId: string; level: LogLevel; message: string };

function cacheWithLog(max?: number) {
  const lines: Line[] = [];
  const cache = new InstanceCache((moduleId, level, message) => lines.push({ moduleId, level, message }), max);
  return { cache, lines };
}

const one = (text: string): WasmRequest => ({ op: 'vectorize', texts: [text], batch: false });

function vector(outcome: ReturnType<InstanceCache['run']>): number[] {
  if (!outcome.reply.ok) throw new Error(`${outcome.reply.code}: ${outcome.reply.message}`);
  return Array.from(new Float32Array(outcome.reply.vectors!));
}

function failure(outcome: ReturnType<InstanceCache['run']>): { code: string; message: string } {
  if (outcome.reply.ok) throw new Error('expected a failure');
  return outcome.reply;
}

t.test('an instance is reused across calls and keeps its state; config reaches mg_init', async (t) => {
  const ref = await moduleRef(await fixtureWasm('counter-vectorizer'), { config: { marker: 42 } });
  const { cache, lines } = cacheWithLog();
  const task = (request: WasmRequest): WasmTask => ({ ref, request, retired: [] });
  t.same(vector(cache.run(task(one('abc')))), [3, 1, 42, 0]);
  t.same(vector(cache.run(task(one('héllo')))), [6, 2, 42, 0], 'the counter in module memory kept counting; é is 2 bytes');
  const batch = cache.run(task({ op: 'vectorize', texts: ['a', '', 'ccc'], batch: true }));
  t.same(vector(batch), [1, 3, 42, 0, 0, 3, 42, 0, 3, 3, 42, 0]);
  t.equal(batch.transfer.length, 1, 'the vectors buffer is transferred, not copied');
  t.equal(cache.created, 1, 'one instance served every call');
  t.same(lines[0], { moduleId: ref.id, level: 'info', message: 'vectorize called' });
  const probe = cache.run(task({ op: 'probe' }));
  t.match(probe.reply, { ok: true, value: { dimensions: 4, memoryBytes: 65536, transformBatch: false } });
});

t.test('a trap discards the instance: the next call gets a fresh one', async (t) => {
  const trapWat = (await fixtureWat('counter-vectorizer')).replace(
    '(global.set $calls (i32.add (global.get $calls) (i32.const 1)))\n    (call $log',
    '(global.set $calls (i32.add (global.get $calls) (i32.const 1)))\n    (if (i32.eq (local.get $len) (i32.const 4)) (then unreachable))\n    (call $log',
  );
  const ref = await moduleRef(await compileWat(trapWat));
  const { cache } = cacheWithLog();
  const task = (text: string): WasmTask => ({ ref, request: one(text), retired: [] });
  t.same(vector(cache.run(task('a'))), [1, 1, 0, 0]);
  t.same(vector(cache.run(task('b'))), [1, 2, 0, 0]);
  t.match(failure(cache.run(task('trap'))), { code: 'MODGATE_PLUGIN_CRASHED', message: /trapped in mg_vectorize: unreachable/ });
  t.same(vector(cache.run(task('c'))), [1, 1, 0, 0], 'a new instance: its counter starts again');
  t.equal(cache.created, 2);
  t.equal(cache.discarded, 1);
});

t.test('a plugin error keeps the instance (it did not trap)', async (t) => {
  const ref = await moduleRef(await fixtureWasm('bad-output'));
  const { cache } = cacheWithLog();
  const task = (text: string): WasmTask => ({ ref, request: one(text), retired: [] });
  t.match(failure(cache.run(task('e'))), { code: 'MODGATE_PLUGIN_ERROR' });
  t.match(failure(cache.run(task('short'))), { code: 'MODGATE_PLUGIN_BAD_OUTPUT' });
  t.same(vector(cache.run(task('fine'))), [0, 0, 0, 0]);
  t.equal(cache.created, 1);
});

t.test('WASI: stdout and stderr reach the log, no files, no args or environment, random works; proc_exit ends the call', async (t) => {
  const ref = await moduleRef(await fixtureWasm('wasi-probe'));
  const { cache, lines } = cacheWithLog();
  t.same(vector(cache.run({ ref, request: one('probe'), retired: [] })), [8, 52, 0, 0], '[EBADF for fd 3, ENOSYS for path_open, 0 args+env, random ok]');
  t.same(
    lines.map((l) => [l.level, l.message]),
    [
      ['info', 'hello from wasi'],
      ['warn', 'careful: stderr'],
    ],
  );
  t.match(failure(cache.run({ ref, request: one('exit'), retired: [] })), {
    code: 'MODGATE_PLUGIN_ERROR',
    message: /ended mg_vectorize with proc_exit\(3\)/,
  });
  t.equal(cache.discarded, 1, 'an instance that exited is not reused');
});

t.test('memory: growth stops at the cap; running out is MODGATE_PLUGIN_MEMORY_LIMIT', async (t) => {
  const imported = await moduleRef(await fixtureWasm('imported-memory'), { memoryBytes: 3 * 65536 });
  t.same(imported.memory, { imported: true, module: 'env', name: 'memory', initialPages: 1, maximumPages: 3 });
  const { cache } = cacheWithLog();
  t.same(vector(cache.run({ ref: imported, request: one('x'), retired: [] })), [3, 0, 0, 0], 'the host memory grew to exactly the cap');

  const bomb = await moduleRef(await fixtureWasm('memory-bomb'), { memoryBytes: 1024 * 1024 });
  const reported = failure(cache.run({ ref: bomb, request: one('x'), retired: [] }));
  t.equal(reported.code, 'MODGATE_PLUGIN_MEMORY_LIMIT');
  t.match(reported.message, /hit its memory cap of 1 MiB \(resources\.memory\): mg_vectorize failed: out of memory/);
  const trapped = failure(cache.run({ ref: bomb, request: { op: 'vectorize', texts: ['x'], batch: true }, retired: [] }));
  t.equal(trapped.code, 'MODGATE_PLUGIN_MEMORY_LIMIT');
  t.match(trapped.message, /in mg_vectorize_batch: unreachable/);

  const counter = await moduleRef(await fixtureWasm('counter-vectorizer'), { memoryBytes: 2 * 65536 });
  const tooBig = failure(cache.run({ ref: counter, request: one('x'.repeat(200_000)), retired: [] }));
  t.equal(tooBig.code, 'MODGATE_PLUGIN_MEMORY_LIMIT', 'input larger than the cap');
  t.match(tooBig.message, /cannot take 200000 bytes of input for mg_vectorize/);

  t.equal(nearMemoryCap(64 * 1024 * 1024 - 65536, 64 * 1024 * 1024), true);
  t.equal(nearMemoryCap(32 * 1024 * 1024, 64 * 1024 * 1024), false);
  t.equal(nearMemoryCap(1024 * 1024 - 65536, 1024 * 1024), true, 'small caps: within 1 MiB counts as near');
});

t.test('start-up failures: mg_init refusing, a wrong ABI version, bad dimensions', async (t) => {
  const { cache } = cacheWithLog();
  const base = await fixtureWat('counter-vectorizer');
  const initFails = base.replace('(global.set $marker (call $number (local.get $ptr) (local.get $len) (i32.const 1)))\n    (i32.const 0))', '(call $fail (i32.const 512) (i32.const 9)) drop (i32.const 1))');
  const ref = await moduleRef(await compileWat(initFails));
  t.match(failure(cache.run({ ref, request: { op: 'probe' }, retired: [] })), {
    code: 'MODGATE_PLUGIN_LOAD_FAILED',
    message: /mg_init failed: vectorize/,
  });
  const v2 = base.replace('(func (export "mg_abi_version") (result i32) (i32.const 1))', '(func (export "mg_abi_version") (result i32) (i32.const 2))');
  t.match(failure(cache.run({ ref: await moduleRef(await compileWat(v2)), request: { op: 'probe' }, retired: [] })), {
    message: /mg_abi_version\(\) returned 2; this gateway speaks ABI version 1/,
  });
  const zeroDims = base.replace('(func (export "mg_dimensions") (result i32) (i32.const 4))', '(func (export "mg_dimensions") (result i32) (i32.const 0))');
  t.match(failure(cache.run({ ref: await moduleRef(await compileWat(zeroDims)), request: { op: 'probe' }, retired: [] })), {
    message: /mg_dimensions\(\) returned 0; it must be 1 to 65536/,
  });
  t.equal(cache.size, 0, 'nothing that failed to start is cached');
});

t.test('retired modules are dropped; at most maxInstances are kept, least recently used first', async (t) => {
  const bytes = await fixtureWasm('counter-vectorizer');
  const refs = await Promise.all([1, 2, 3].map(() => moduleRef(bytes)));
  const { cache } = cacheWithLog(2);
  for (const ref of refs) cache.run({ ref, request: one('a'), retired: [] });
  t.equal(cache.size, 2);
  t.same(vector(cache.run({ ref: refs[2], request: one('a'), retired: [] })).slice(0, 2), [1, 2], 'the newest is still cached');
  t.same(vector(cache.run({ ref: refs[0], request: one('a'), retired: [] })).slice(0, 2), [1, 1], 'the oldest was evicted');
  cache.run({ ref: refs[1], request: one('a'), retired: [refs[0].id, refs[2].id] });
  t.equal(cache.size, 1, 'retired modules are gone');
  const late = cache.run({ ref: refs[0], request: one('a'), retired: [refs[0].id] });
  t.same(vector(late).slice(0, 2), [1, 1], 'a late call for a retired module still runs');
  t.equal(cache.size, 1, '...on an instance that is not kept');
});

t.test('the minimal example in sdk/ABI.md works as documented', async (t) => {
  const doc = await readFile(new URL('../../sdk/ABI.md', import.meta.url), 'utf8');
  const wat = /```wat\n([\s\S]*?)```/.exec(doc)![1];
  const ref = await moduleRef(await compileWat(wat));
  const { cache } = cacheWithLog();
  t.same(vector(cache.run({ ref, request: one('héllo'), retired: [] })), [6, 1]);
  t.match(failure(cache.run({ ref, request: { op: 'vectorize', texts: ['a', 'b'], batch: true }, retired: [] })), {
    code: 'MODGATE_PLUGIN_ERROR',
    message: /no message \(mg_last_error returned 0\)/,
  });
});

t.test('an instance that cannot start during a call fails that call with 502, not a load failure', async (t) => {
  const base = await fixtureWat('counter-vectorizer');
  const refuses = base.replace('(global.set $marker (call $number (local.get $ptr) (local.get $len) (i32.const 1)))\n    (i32.const 0))', '(i32.const 1))');
  const ref = await moduleRef(await compileWat(refuses));
  const { cache } = cacheWithLog();
  t.match(failure(cache.run({ ref, request: one('x'), retired: [] })), { code: 'MODGATE_PLUGIN_ERROR', message: /mg_init failed: no message/ });
  t.match(failure(cache.run({ ref, request: { op: 'probe' }, retired: [] })), { code: 'MODGATE_PLUGIN_LOAD_FAILED' });
});
