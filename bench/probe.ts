// One request of a case, sent outside the load and checked value by value: before a case is
// measured, after each of its slices, and after each reload of the reload case.
import { checkAnswer, type AnswerCheck, type Shape } from './cases.js';
import type { Request } from './load.js';

export function requestFor(url: string, shape: Shape, plugin: string): Request {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (shape.float32) headers.accept = 'application/octet-stream';
  return { url, path: `/plugins/${plugin}/${shape.operation}`, body: JSON.stringify(shape.body), headers };
}

export interface Probe extends AnswerCheck {
  ms: number;
}

export async function probe(request: Request, shape: Shape): Promise<Probe> {
  const started = performance.now();
  try {
    const response = await fetch(`${request.url}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
    const body = Buffer.from(await response.arrayBuffer());
    const ms = performance.now() - started;
    return { ...checkAnswer(shape, response.status, response.headers.get('content-type'), body), ms };
  } catch (err) {
    return { wrong: `request failed: ${String(err)}`, ms: performance.now() - started };
  }
}

/** Tallies the answers checked for one case. */
export class AnswerLog {
  checked = 0;
  /** Largest difference from the expected vector values seen (0 = bit-identical). */
  maxDiff: number | undefined;
  wrong: string | undefined;

  add(result: AnswerCheck): boolean {
    this.checked++;
    if (result.maxDiff !== undefined) this.maxDiff = Math.max(this.maxDiff ?? 0, result.maxDiff);
    if (result.wrong) this.wrong ??= result.wrong;
    return !result.wrong;
  }

  summary(): { checked: number; maxDiff?: number } {
    return this.maxDiff === undefined ? { checked: this.checked } : { checked: this.checked, maxDiff: this.maxDiff };
  }
}
