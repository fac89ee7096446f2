// The JSON shapes structured WASM operations must return, and the worker running them on a
// module built with the AssemblyScript SDK.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import {
  authenticateOutput,
  authorizeOutput,
  deleteOutput,
  generateOutput,
  getOutput,
  listOutput,
  putOutput,
  rerankOutput,
  transformBatchOutput,
  transformOutput,
} from '../../src/runtimes/wasm/outputs.js';
import { InstanceCache, type WasmRequest } from '../../src/runtimes/wasm/tasks.js';
import { buildWasm, moduleRef } from './helpers.js';

t.test('well-formed outputs become typed values', async (t) => {
  t.same(transformOutput({ texts: ['a', 'b'] }), { ok: true, value: ['a', 'b'] });
  t.same(transformBatchOutput({ outputs: [['a'], []] }, 2), { ok: true, value: [['a'], []] });
  t.same(rerankOutput({ results: [{ index: 1, score: 0.5, extra: true }] }), { ok: true, value: [{ index: 1, score: 0.5 }] });
  t.same(generateOutput({ text: 'hi' }), { ok: true, value: 'hi' });
  t.same(putOutput({}), { ok: true, value: undefined });
  t.same(getOutput({ found: false }), { ok: true, value: null });
  const got = getOutput({ found: true, value: Buffer.from('héllo').toString('base64'), contentType: 'text/plain' });
  t.ok(got.ok && Buffer.from(got.value!.value).toString() === 'héllo' && got.value!.contentType === 'text/plain');
  const untyped = getOutput({ found: true, value: '' });
  t.ok(untyped.ok && untyped.value!.contentType === 'application/octet-stream', 'content type defaults to octet-stream');
  t.same(deleteOutput({ deleted: true }), { ok: true, value: true });
  t.same(listOutput({ objects: [{ key: 'k', size: 3, contentType: 'x/y' }] }), { ok: true, value: [{ key: 'k', size: 3, contentType: 'x/y' }] });
  t.same(authenticateOutput({ identity: null }), { ok: true, value: null });
  t.same(authenticateOutput({ identity: { subject: 's', roles: [], claims: { a: 1 } } }), { ok: true, value: { subject: 's', roles: [], claims: { a: 1 } } });
  t.same(authenticateOutput({ identity: { subject: 's', roles: ['r'] } }), { ok: true, value: { subject: 's', roles: ['r'] } });
  t.same(authorizeOutput({ allowed: false, reason: 'no' }), { ok: true, value: { allowed: false, reason: 'no' } });
  t.same(authorizeOutput({ allowed: true }), { ok: true, value: { allowed: true } });
});

t.test('malformed outputs are refused with what was expected', async (t) => {
  const problems: Array<[ReturnType<typeof transformOutput> | { ok: boolean; problem?: string }, RegExp]> = [
    [transformOutput(['a']), /mg_transform must return \{"texts"/],
    [transformOutput({ texts: [1] }), /mg_transform must return/],
    [transformBatchOutput({ outputs: [['a']] }, 2), /returned 1 outputs for 2 inputs/],
    [transformBatchOutput({ outputs: ['a'] }, 1), /mg_transform_batch must return/],
    [rerankOutput({ results: 'x' }), /mg_rerank must return/],
    [rerankOutput({ results: [{ index: '0', score: 1 }] }), /results\[0\] must be/],
    [generateOutput({ text: 5 }), /mg_generate must return \{"text": string\}/],
    [putOutput(null), /mg_put must return a JSON object/],
    [getOutput({}), /mg_get must return \{"found": boolean/],
    [getOutput({ found: true, value: 'not base64!' }), /"value" must be base64/],
    [deleteOutput({ deleted: 'yes' }), /mg_delete must return/],
    [listOutput({ objects: [{ key: 'k' }] }), /objects\[0\] must be/],
    [listOutput([]), /mg_list must return/],
    [authenticateOutput({}), /mg_authenticate must return/],
    [authenticateOutput({ identity: { subject: 's' } }), /"identity" must be/],
    [authenticateOutput({ identity: { subject: 's', roles: [], claims: [] } }), /"identity.claims" must be an object/],
    [authorizeOutput({ allowed: 1 }), /mg_authorize must return/],
    [authorizeOutput({ allowed: true, reason: 3 }), /"reason" must be a string/],
  ];
  for (const [result, pattern] of problems) {
    t.equal(result.ok, false, String(pattern));
    t.match((result as { problem: string }).problem, pattern);
  }
});

t.test('a worker runs JSON operations on an SDK-built module and checks their shapes', async (t) => {
  const wasm = await buildWasm('test/fixtures/wasm/sdk-kitchen-sink', 'assembly/index.ts', 'build/kitchen-sink.wasm');
  const bytes = new Uint8Array(await readFile(wasm));
  const ref = await moduleRef(bytes, { type: 'auth', config: { prefix: '>' } });
  const cache = new InstanceCache(() => undefined);
  const run = (request: WasmRequest) => cache.run({ ref, request, retired: [] }).reply;
  t.same(run({ op: 'transform', texts: ['a b'], batch: false }), { ok: true, value: [['>a', '>b']] });
  t.same(run({ op: 'transform', texts: ['a', 'b c'], batch: true }), { ok: true, value: [['>a'], ['>b', '>c']] }, 'uses mg_transform_batch');
  t.match(run({ op: 'transform', texts: ['x', 'y', 'z'], batch: true }), { ok: false, code: 'MODGATE_PLUGIN_BAD_OUTPUT' });
  t.same(run({ op: 'json', export: 'mg_authenticate', input: { token: 'secret-ann' } }), {
    ok: true,
    value: { subject: 'ann', roles: ['reader'], claims: { tokenLength: 10, ratio: 0.25 } },
  });
  t.same(run({ op: 'json', export: 'mg_put', input: { key: 'k', value: 'AAE=', contentType: 'a/b' } }), { ok: true, value: undefined });
  t.same(run({ op: 'json', export: 'mg_list', input: { prefix: '', limit: 10 } }), { ok: true, value: [{ key: 'k', size: 2, contentType: 'a/b' }] });
  t.match(run({ op: 'json', export: 'mg_generate', input: 'not an object' }), { ok: true, value: '""\n' }, 'a JSON string is still JSON');
  t.match(run({ op: 'json', export: 'mg_rerank', input: {} }), { ok: false, code: 'MODGATE_PLUGIN_CRASHED', message: /not a function|mg_rerank/ });
});
