// OpenAI's chat completion wire format: the `chat.completion` object, and the server-sent
// `chat.completion.chunk` events of a stream (role first, then text, then finish_reason, then
// `data: [DONE]`).
import { ERROR_STATUS, ModgateError, type ErrorCode } from '../../src/errors.js';
import { openAiErrorBody } from '../../src/http/openai-errors.js';
import type { SseFormat } from '../../src/http/sse.js';
import { countTokens } from './tokens.js';

export interface ChatMeta {
  id: string;
  created: number;
  model: string;
  promptTokens: number;
  maxTokens?: number;
}

export type ChatDelta = { role: 'assistant'; content: '' } | { content: string };

type FinishReason = 'stop' | 'length';

/** `length` when the answer reached max_tokens words (the generator was cut), else `stop`. */
function finishReason(text: string, maxTokens: number | undefined): FinishReason {
  return maxTokens !== undefined && countTokens(text) >= maxTokens ? 'length' : 'stop';
}

function usage(meta: ChatMeta, text: string) {
  const completion = countTokens(text);
  return { prompt_tokens: meta.promptTokens, completion_tokens: completion, total_tokens: meta.promptTokens + completion };
}

export function chatCompletion(meta: ChatMeta, text: string) {
  return {
    id: meta.id,
    object: 'chat.completion' as const,
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: text, refusal: null },
        logprobs: null,
        finish_reason: finishReason(text, meta.maxTokens),
      },
    ],
    usage: usage(meta, text),
  };
}

/**
 * The role delta first, then the text. The generator's first chunk is awaited before anything
 * is yielded, so a failure before the first chunk is still a plain JSON error with its status.
 */
export async function* withRoleFirst(chunks: AsyncGenerator<string>): AsyncGenerator<ChatDelta> {
  try {
    const first = await chunks.next();
    yield { role: 'assistant', content: '' };
    if (first.done) return;
    yield { content: first.value };
    for await (const content of chunks) yield { content };
  } finally {
    // Stopped early (client gone): end the plugin's stream too, which cancels the call.
    await chunks.return(undefined);
  }
}

export function chatChunkFormat(meta: ChatMeta, includeUsage: boolean): SseFormat<ChatDelta> {
  let text = '';
  // One chunk object as JSON; chunks carry `usage: null` when the last one will carry the usage.
  const json = (choices: unknown[], extra: Record<string, unknown> = includeUsage ? { usage: null } : {}) =>
    JSON.stringify({ id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices, ...extra });
  return {
    chunk(delta) {
      text += delta.content;
      return json([{ index: 0, delta, logprobs: null, finish_reason: null }]);
    },
    end() {
      const last = json([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason(text, meta.maxTokens) }]);
      const usageEvent = includeUsage ? `data: ${json([], { usage: usage(meta, text) })}\n\n` : '';
      return `data: ${last}\n\n${usageEvent}data: [DONE]\n\n`;
    },
    error(code, message) {
      const known = Object.hasOwn(ERROR_STATUS, code) ? (code as ErrorCode) : 'MODGATE_INTERNAL';
      return `data: ${JSON.stringify(openAiErrorBody(new ModgateError(known, message)))}\n\n`;
    },
  };
}
