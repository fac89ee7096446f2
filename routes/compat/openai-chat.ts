// OpenAI-compatible chat completions: POST /v1/chat/completions, `model` = a generator plugin,
// streamed as server-sent chat.completion.chunk events when `stream: true`.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ref } from '../../schemas/common.js';
import { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, OpenAIError } from '../../schemas/compat/openai.js';
import { ModgateError } from '../../src/errors.js';
import { clientSignal } from '../../src/http/client-signal.js';
import { streamSse } from '../../src/http/sse.js';
import { chatChunkFormat, chatCompletion, withRoleFirst, type ChatMeta } from './chat-format.js';
import { toChatMessages } from './chat-messages.js';
import { INVOCATION_BY_MODEL } from './route-config.js';
import { countAllTokens } from './tokens.js';

const ERRORS = Object.fromEntries([400, 401, 403, 404, 413, 502, 503, 504].map((status) => [status, ref(OpenAIError)]));

const chatRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { operations } = app.gateway;

  app.post(
    '/chat/completions',
    {
      config: INVOCATION_BY_MODEL,
      schema: {
        tags: ['compat'],
        summary: 'Create a chat completion (OpenAI-compatible)',
        description:
          'OpenAI’s chat completions API on a generator plugin (`model` = plugin name). `max_completion_tokens` (or `max_tokens`) becomes the plugin’s maxTokens. With `"stream": true` the answer is server-sent events of ChatCompletionChunk objects ending with `data: [DONE]`; a client that disconnects stops the generation.',
        body: ref(ChatCompletionRequest),
        response: {
          200: {
            description: 'a chat.completion, or with `"stream": true` server-sent chat.completion.chunk events',
            content: {
              'application/json': { schema: ref(ChatCompletion) },
              'text/event-stream': { schema: ref(ChatCompletionChunk) },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.n !== undefined && body.n !== null && body.n !== 1) {
        throw new ModgateError('MODGATE_VALIDATION', 'n must be 1: generator plugins return one choice');
      }
      const messages = toChatMessages(body.messages);
      const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
      const meta: ChatMeta = {
        id: `chatcmpl-${randomUUID()}`,
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        promptTokens: countAllTokens(messages.map((m) => m.content)),
        maxTokens,
      };
      const chunks = operations.generate(body.model, { messages, maxTokens }, { signal: clientSignal(reply) });
      if (body.stream) {
        await streamSse(reply, withRoleFirst(chunks), chatChunkFormat(meta, body.stream_options?.include_usage === true));
        return reply;
      }
      let text = '';
      for await (const chunk of chunks) text += chunk;
      return chatCompletion(meta, text);
    },
  );
};

export default chatRoutes;
