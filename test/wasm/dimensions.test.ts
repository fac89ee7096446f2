// A WASM vectorizer whose mg_dimensions() disagrees with the manifest is refused at load, as
// the gRPC runtime refuses one whose GetInfo does: failed with both numbers at start, 422
// MODGATE_PLUGIN_LOAD_FAILED on reload, PUT of a new version and a config change (the running
// version keeps serving). The manifest's number is config.dimensions when the manifest declares
// that key, else spec.capabilities.dimensions.
import t, { type Test } from 'tap';
import { adminHeaders, buildTestApp } from '../helpers/app.js';
import { uploadFolder } from '../admin/helpers.js';
import { compileWat, errorOf, pluginsRoot, withAbiPrelude, writePlugin } from './helpers.js';

/**
 * A vectorizer whose vectors are `dims` zeros. With followConfig, mg_init sets dims to the
 * first number in the config JSON (the manifests below declare only `dimensions`).
 */
async function vectorizerWasm(dims: number, followConfig = false): Promise<Uint8Array> {
  const init = `
  (func (export "mg_init") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32) (local $c i32) (local $value i32) (local $seen i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 48)) (i32.le_u (local.get $c) (i32.const 57)))
          (then
            (local.set $value (i32.add (i32.mul (local.get $value) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))
            (local.set $seen (i32.const 1)))
          (else (br_if $done (local.get $seen))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (local.get $seen) (then (global.set $dims (local.get $value))))
    (i32.const 0))`;
  const wat = `(module
  ;; @abi
  (global $dims (mut i32) (i32.const ${dims}))
  ${followConfig ? init : ''}
  (func (export "mg_dimensions") (result i32) (global.get $dims))
  ;; [1024, 4096) is zeroed output space: dims * 4 bytes per vector
  (func (export "mg_vectorize") (param i32 i32) (result i64)
    (call $pack (i32.const 1024) (i32.shl (global.get $dims) (i32.const 2))))
  (func (export "mg_vectorize_batch") (param $ptr i32) (param i32) (result i64)
    (call $pack (i32.const 1024) (i32.mul (i32.load (local.get $ptr)) (i32.shl (global.get $dims) (i32.const 2)))))
)`;
  return compileWat(await withAbiPrelude(wat), 'dimensions.wat');
}

const dimensionsConfig = 'dimensions: { type: integer, default: 4 }';

const root = await pluginsRoot(t, [
  // spec.capabilities.dimensions is 4 (the helpers' default for vectorizers)
  { name: 'says-eight', bytes: await vectorizerWasm(8) },
  { name: 'says-four', bytes: await vectorizerWasm(4) },
  { name: 'follows-config', bytes: await vectorizerWasm(4, true), configYaml: dimensionsConfig },
  { name: 'ignores-config', bytes: await vectorizerWasm(4), configYaml: dimensionsConfig },
]);
const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 1 });

const vectorize = (name: string) => app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: { texts: ['a', 'b'] } });
const detail = async (name: string) => (await app.inject({ url: `/plugins/${name}` })).json();

/** The plugin answers with vectors of `dims` numbers. */
async function serves(t: Test, name: string, dims: number) {
  const response = await vectorize(name);
  t.equal(response.statusCode, 200, `${name} answers`);
  t.same(
    response.json().vectors.map((v: number[]) => v.length),
    [dims, dims],
    `${name}: vectors of ${dims}`,
  );
}

t.test('mg_dimensions() against spec.capabilities.dimensions: failed at start with both numbers, 503, 422 on reload', async (t) => {
  const reason = /plugin "says-eight": mg_dimensions\(\) returns 8 but the manifest expects 4 \(spec\.capabilities\.dimensions\)/;
  const failed = await detail('says-eight');
  t.equal(failed.state, 'failed');
  t.match(failed.failure, reason, 'GET /plugins/:name says why');
  const call = await vectorize('says-eight');
  t.equal(call.statusCode, 503, 'calls get 503');
  t.equal(errorOf(call).code, 'MODGATE_PLUGIN_UNAVAILABLE');
  const reload = await app.inject({ method: 'POST', url: '/plugins/says-eight/reload', headers: adminHeaders });
  t.equal(reload.statusCode, 422);
  t.equal(errorOf(reload).code, 'MODGATE_PLUGIN_LOAD_FAILED');
  t.match(errorOf(reload).message, reason);

  t.match(await detail('says-four'), { state: 'ready', dimensions: 4 }, 'a module that agrees loads');
  await serves(t, 'says-four', 4);
});

t.test('PUT of a new version whose mg_dimensions() disagrees: 422, the running version keeps serving', async (t) => {
  const upload = await writePlugin(await pluginsRoot(t, []), { name: 'says-four', version: '1.1.0', bytes: await vectorizerWasm(8) });
  const put = await uploadFolder(app, upload, 'says-four');
  t.equal(put.statusCode, 422, 'PUT answers 422');
  t.equal(errorOf(put).code, 'MODGATE_PLUGIN_LOAD_FAILED');
  t.match(errorOf(put).message, /mg_dimensions\(\) returns 8 but the manifest expects 4 \(spec\.capabilities\.dimensions\)/);
  t.match(await detail('says-four'), { state: 'ready', version: '1.0.0', dimensions: 4 }, '1.0.0 still active');
  await serves(t, 'says-four', 4);
});

t.test('config.dimensions, when the manifest declares it, is the number mg_dimensions() must return', async (t) => {
  const patch = (name: string, dimensions: number) =>
    app.inject({ method: 'PATCH', url: `/plugins/${name}/config`, headers: adminHeaders, payload: { dimensions } });

  const followed = await patch('follows-config', 8);
  t.equal(followed.statusCode, 200, 'PATCH answers 200');
  t.match(followed.json(), { state: 'ready', dimensions: 8 }, 'a module that follows config.dimensions reloads with 8 (the capabilities say 4)');
  await serves(t, 'follows-config', 8);

  const ignored = await patch('ignores-config', 8);
  t.equal(ignored.statusCode, 422, 'PATCH answers 422');
  t.equal(errorOf(ignored).code, 'MODGATE_PLUGIN_LOAD_FAILED');
  t.match(errorOf(ignored).message, /mg_dimensions\(\) returns 4 but the manifest expects 8 \(config\.dimensions\)/);
  t.match(await detail('ignores-config'), { state: 'ready', dimensions: 4, config: { dimensions: 4 } }, 'the running version and its config stay');
  await serves(t, 'ignores-config', 4);
});
