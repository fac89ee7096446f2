// Shared by the gRPC runtime tests: fixture paths, plugin details, polling, process checks.
import type { FastifyInstance } from 'fastify';
import { FIXTURES } from '../helpers/app.js';

export const GRPC_FIXTURES = `${FIXTURES}/grpc`;

export interface RuntimeInfo {
  mode: 'local' | 'remote';
  state: string;
  pid?: number;
  restarts?: number;
  reconnects?: number;
  reason?: string;
  address?: string;
  addressSpaceLimitBytes?: number;
  tls?: boolean;
}

export interface Detail {
  state: string;
  failure?: string;
  runtimeInfo?: RuntimeInfo;
}

export async function detail(app: FastifyInstance, name: string): Promise<Detail> {
  const res = await app.inject({ method: 'GET', url: `/plugins/${name}` });
  return res.json() as Detail;
}

/** Polls `check` until it returns a value (not undefined); fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Calls transform(text) on a plugin and returns the status and body. */
export async function transform(app: FastifyInstance, name: string, text: string) {
  const res = await app.inject({ method: 'POST', url: `/plugins/${name}/transform`, payload: { text } });
  return { status: res.statusCode, body: res.json() as { outputs?: string[]; code?: string; message?: string }, headers: res.headers };
}
