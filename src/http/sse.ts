// Server-sent events for streaming generators. The first chunk is awaited before any byte is
// written, so an error up to that point is still a normal JSON error with its status code.
import type { FastifyReply } from 'fastify';
import { isModgateError, messageOf } from '../errors.js';
import { toModgateError } from './error-handler.js';

export interface SseFormat<C> {
  /** The data payload (one JSON line) for a chunk. */
  chunk(chunk: C): string;
  /** Lines written after the last chunk (e.g. `data: [DONE]`). */
  end(): string;
  /** Lines written when the stream fails after it started. */
  error(code: string, message: string): string;
}

export async function streamSse<C>(reply: FastifyReply, chunks: AsyncGenerator<C>, format: SseFormat<C>): Promise<void> {
  const first = await chunks.next(); // throws before headers: a plain JSON error reply
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  raw.once('close', () => {
    closed = true;
    // Ends the plugin's generation: invokeStream's finally aborts the plugin call.
    void chunks.return(undefined);
  });
  try {
    if (!first.done) {
      raw.write(`data: ${format.chunk(first.value)}\n\n`);
      for await (const chunk of chunks) {
        if (closed) break;
        raw.write(`data: ${format.chunk(chunk)}\n\n`);
      }
    }
    if (!closed) raw.write(format.end());
  } catch (err) {
    const error = isModgateError(err) ? err : toModgateError(err as Error);
    if (!closed) raw.write(format.error(error.code, messageOf(error)));
  } finally {
    raw.end();
  }
}
