// Shared by the compatibility tests: a gateway with the bundled plugins listening on a real
// socket, and the same plugins called through the native routes for expected values.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import type { Config } from '../../src/config.js';
import { bundledSubset, buildTestApp } from '../helpers/app.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export const COMPAT_PLUGINS = ['hash-embedder', 'bm25-reranker', 'extractive-summarizer', 'text-chunker'];

export interface ListeningGateway {
  app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  origin: string;
}

/** Misbehaving test plugins: faulty-generator, partial-reranker. */
export const COMPAT_FIXTURES = join(import.meta.dirname, 'fixtures');

export interface GatewayOptions {
  /** Also load the misbehaving fixtures. */
  fixtures?: boolean;
  config?: Partial<Config>;
}

export async function listeningGateway(t: Teardown, options: GatewayOptions = {}): Promise<ListeningGateway> {
  const plugins = await bundledSubset(t, COMPAT_PLUGINS);
  const pluginsDirs = options.fixtures ? [plugins, COMPAT_FIXTURES] : [plugins];
  const { app } = await buildTestApp(t, { pluginsDirs, drainTimeoutMs: 1000, ...options.config });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('gateway is not listening on TCP');
  return { app, origin: `http://127.0.0.1:${address.port}` };
}

export function openaiClient(origin: string): OpenAI {
  return new OpenAI({ apiKey: 'unused-by-the-gateway', baseURL: `${origin}/v1`, maxRetries: 0 });
}

/** The plugin's own vectors, through the native route. */
export async function nativeVectors(app: FastifyInstance, plugin: string, texts: string[]): Promise<number[][]> {
  const response = await app.inject({ method: 'POST', url: `/plugins/${plugin}/vectorize`, payload: { texts } });
  if (response.statusCode !== 200) throw new Error(`native vectorize failed: ${response.body}`);
  return response.json().vectors;
}

/** Float32 rounding of a JSON number array, for exact comparisons with decoded float32 data. */
export function asFloat32(values: number[]): number[] {
  return Array.from(Float32Array.from(values));
}

export interface JsonReply {
  status: number;
  headers: Headers;
  // Tests inspect arbitrary JSON answers.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** POSTs JSON over the real socket and parses the JSON answer. */
export async function postJson(origin: string, path: string, body: unknown): Promise<JsonReply> {
  const response = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const shared = new Map<string, Promise<ListeningGateway>>();

/**
 * One gateway for the whole test file (closed when the file's root test ends), for subtests
 * that do not change the gateway's plugins: building one per subtest is most of the run time.
 */
export function sharedGateway(root: Teardown, options: GatewayOptions = {}): Promise<ListeningGateway> {
  const key = JSON.stringify(options);
  let gateway = shared.get(key);
  if (!gateway) {
    gateway = listeningGateway(root, options);
    shared.set(key, gateway);
  }
  return gateway;
}

/** The plugin's call count for one operation, to measure what a test added. */
export async function callCount(app: FastifyInstance, plugin: string, operation: string): Promise<number> {
  const detail = (await app.inject({ method: 'GET', url: `/plugins/${plugin}` })).json();
  return detail.stats.byOperation[operation] ?? 0;
}
