// GET /metrics and per-plugin stats move as calls succeed, fail, time out and as plugins reload.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { ADMIN_TOKEN, FIXTURES, adminHeaders, buildTestApp, type Teardown } from '../helpers/app.js';
import { parseSamples, sampleValue, type Sample } from './prometheus.js';

const ECHO = { plugin: 'echo-vectorizer' };

/** A plugins folder holding a private copy of the echo-vectorizer fixture (tests may break it). */
async function echoPluginsDir(t: Teardown): Promise<{ root: string; pluginDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'modgate-metrics-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const pluginDir = join(root, 'echo-vectorizer');
  await cp(join(FIXTURES, 'native', 'echo-vectorizer'), pluginDir, { recursive: true });
  // The fixture is an ES module; outside the repo nothing else says so.
  await writeFile(join(root, 'package.json'), '{"type": "module"}\n');
  return { root, pluginDir };
}

async function echoApp(t: Teardown) {
  const { root, pluginDir } = await echoPluginsDir(t);
  const built = await buildTestApp(t, { pluginsDirs: [root], drainTimeoutMs: 200, loadTimeoutMs: 2000 });
  return { ...built, pluginDir };
}

async function scrape(app: FastifyInstance): Promise<Sample[]> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  if (response.statusCode !== 200) throw new Error(`/metrics answered ${response.statusCode}: ${response.body}`);
  return parseSamples(response.body);
}

function vectorize(app: FastifyInstance, body: object) {
  return app.inject({ method: 'POST', url: '/plugins/echo-vectorizer/vectorize', payload: body });
}

t.test('GET /metrics is Prometheus text with plugin series and process metrics', async (t) => {
  const { app } = await echoApp(t);
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.match(response.body, /# HELP modgate_plugin_calls_total /);
  t.match(response.body, /# TYPE modgate_plugin_call_duration_seconds histogram/);
  const samples = parseSamples(response.body);
  t.equal(sampleValue(samples, 'modgate_plugin_state', { ...ECHO, state: 'ready' }), 1);
  t.equal(sampleValue(samples, 'modgate_plugin_state', { ...ECHO, state: 'failed' }), 0);
  t.equal(sampleValue(samples, 'modgate_plugin_info', { ...ECHO, version: '1.0.0', type: 'vectorizer', runtime: 'native' }), 1);
  t.equal(sampleValue(samples, 'modgate_plugin_state_transitions_total', { ...ECHO, state: 'ready' }), 1);
  t.ok((sampleValue(samples, 'process_resident_memory_bytes') ?? 0) > 0, 'process RSS is reported');
  t.ok(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds'), 'event loop lag is reported');
  t.equal(sampleValue(samples, 'modgate_plugin_calls_total', { ...ECHO, operation: 'vectorize', outcome: 'ok' }), undefined, 'no calls yet');
});

t.test('call counts, latency histogram and in-flight gauge follow successes, failures and timeouts', async (t) => {
  const { app } = await echoApp(t);
  t.equal((await vectorize(app, { text: 'hello' })).statusCode, 200);
  t.equal((await vectorize(app, { text: 'hi' })).statusCode, 200);
  t.equal((await vectorize(app, { texts: ['a', 'bb'] })).statusCode, 200);
  t.equal((await vectorize(app, { text: 'throw' })).statusCode, 502);
  t.equal((await vectorize(app, { texts: Array(9).fill('x') })).statusCode, 413, 'over the fixture maxBatchSize of 8');

  // A call that hangs is in flight until its 2 s time cap answers 504.
  const hanging = vectorize(app, { text: 'hang' });
  let inFlight: number | undefined;
  for (let i = 0; i < 200 && inFlight !== 1; i++) {
    inFlight = sampleValue(await scrape(app), 'modgate_plugin_calls_in_flight', { ...ECHO, operation: 'vectorize' });
    if (inFlight !== 1) await new Promise((resolve) => setImmediate(resolve));
  }
  t.equal(inFlight, 1, 'the hanging call is in flight');
  t.equal((await hanging).statusCode, 504);

  const samples = await scrape(app);
  const calls = (operation: string, outcome: string) => sampleValue(samples, 'modgate_plugin_calls_total', { ...ECHO, operation, outcome });
  t.equal(calls('vectorize', 'ok'), 2);
  t.equal(calls('vectorize', 'plugin_error'), 1);
  t.equal(calls('vectorize', 'timeout'), 1);
  t.equal(calls('vectorizeBatch', 'ok'), 1);
  t.equal(calls('vectorizeBatch', 'client_error'), 1);
  t.equal(sampleValue(samples, 'modgate_plugin_calls_in_flight', { ...ECHO, operation: 'vectorize' }), 0);
  t.equal(sampleValue(samples, 'modgate_plugin_calls_in_flight', { ...ECHO, operation: 'vectorizeBatch' }), 0);

  const histogram = { ...ECHO, operation: 'vectorize' };
  t.equal(sampleValue(samples, 'modgate_plugin_call_duration_seconds_count', histogram), 4);
  t.equal(sampleValue(samples, 'modgate_plugin_call_duration_seconds_bucket', { ...histogram, le: '+Inf' }), 4);
  // The timed-out call took its full 2 s cap, so exactly three calls fall in the 1 s bucket.
  t.equal(sampleValue(samples, 'modgate_plugin_call_duration_seconds_bucket', { ...histogram, le: '1' }), 3);
  t.ok((sampleValue(samples, 'modgate_plugin_call_duration_seconds_sum', histogram) ?? 0) >= 2, 'the sum includes the 2 s timeout');

  // The same calls in GET /plugins/:name.
  const stats = (await app.inject({ method: 'GET', url: '/plugins/echo-vectorizer' })).json().stats;
  t.same(stats.byOutcome, { ok: 3, plugin_error: 1, timeout: 1, client_error: 1 });
  t.same(stats.byOperation, { vectorize: 4, vectorizeBatch: 2 });
  t.equal(stats.calls, 6);
  t.equal(stats.errors, 3);
  t.equal(stats.latencyMs.window, 6);
  t.ok(stats.latencyMs.p50 < stats.latencyMs.p99, 'p50 below p99');
  t.ok(stats.latencyMs.p99 >= 2000, 'p99 is the timed-out call');
});

t.test('calls to a plugin that is not there are not counted as plugin calls', async (t) => {
  const { app } = await echoApp(t);
  t.equal((await app.inject({ method: 'POST', url: '/plugins/nope/vectorize', payload: { text: 'x' } })).statusCode, 404);
  const samples = await scrape(app);
  t.notOk(samples.some((s) => s.name === 'modgate_plugin_calls_total'), 'no call series');
});

t.test('reloads count by outcome and a failed reload leaves the old version ready', async (t) => {
  const { app, pluginDir } = await echoApp(t);
  const reload = () => app.inject({ method: 'POST', url: '/plugins/echo-vectorizer/reload', headers: adminHeaders });
  t.equal((await reload()).statusCode, 200);
  await writeFile(join(pluginDir, 'index.js'), 'export default { type: "vectorizer", create() { throw new Error("broken build"); } };\n');
  const failed = await reload();
  t.equal(failed.statusCode, 422);

  const samples = await scrape(app);
  t.equal(sampleValue(samples, 'modgate_plugin_reloads_total', { ...ECHO, outcome: 'ok' }), 1);
  t.equal(sampleValue(samples, 'modgate_plugin_reloads_total', { ...ECHO, outcome: 'failed' }), 1);
  t.equal(sampleValue(samples, 'modgate_plugin_state', { ...ECHO, state: 'ready' }), 1, 'the running version still serves');
  // Three versions became loading (start, good reload, bad reload); two became ready; one failed; one was retired.
  const transitions = (state: string) => sampleValue(samples, 'modgate_plugin_state_transitions_total', { ...ECHO, state });
  t.equal(transitions('ready'), 2);
  t.equal(transitions('failed'), 1);
  t.equal(transitions('stopped'), 1);
  t.equal((await vectorize(app, { text: 'still' })).statusCode, 200);
});

t.test('a removed plugin disappears from the state and info gauges', async (t) => {
  const { app } = await echoApp(t);
  const removed = await app.inject({ method: 'DELETE', url: '/plugins/echo-vectorizer', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  t.equal(removed.statusCode, 204);
  const samples = await scrape(app);
  t.equal(sampleValue(samples, 'modgate_plugin_state', { ...ECHO, state: 'ready' }), undefined);
  t.equal(sampleValue(samples, 'modgate_plugin_info', ECHO), undefined);
});

t.test('each app has its own registry', async (t) => {
  const first = await echoApp(t);
  const second = await echoApp(t);
  t.equal((await vectorize(first.app, { text: 'one' })).statusCode, 200);
  t.equal((await vectorize(first.app, { text: 'two' })).statusCode, 200);
  t.equal((await vectorize(second.app, { text: 'three' })).statusCode, 200);
  const ok = { ...ECHO, operation: 'vectorize', outcome: 'ok' };
  t.equal(sampleValue(await scrape(first.app), 'modgate_plugin_calls_total', ok), 2);
  t.equal(sampleValue(await scrape(second.app), 'modgate_plugin_calls_total', ok), 1);
});
