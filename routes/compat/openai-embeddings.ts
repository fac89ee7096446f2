// OpenAI-compatible embeddings: POST /v1/embeddings, `model` = a vectorizer plugin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ref } from '../../schemas/common.js';
import { EmbeddingsRequest, EmbeddingsResponse, OpenAIError } from '../../schemas/compat/openai.js';
import { ModgateError } from '../../src/errors.js';
import { clientSignal } from '../../src/http/client-signal.js';
import { float32Bytes, toNumbers } from '../../src/http/vectors.js';
import { INVOCATION_BY_MODEL } from './route-config.js';
import { checkDimensions, shortenVectors } from './shorten.js';
import { countAllTokens } from './tokens.js';

const ERRORS = Object.fromEntries([400, 401, 403, 404, 413, 502, 503, 504].map((status) => [status, ref(OpenAIError)]));

/** The texts of `input`; token arrays (numbers) are refused: plugins take text. */
export function textInputs(input: EmbeddingsRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  const bad = input.findIndex((item) => typeof item !== 'string');
  if (bad >= 0) {
    throw new ModgateError(
      'MODGATE_VALIDATION',
      `input[${bad}] is not a string: token arrays are not supported (plugins tokenize for themselves); send the text as a string or a list of strings`,
    );
  }
  return input as string[];
}

const embeddingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { operations, manager } = app.gateway;

  app.post(
    '/embeddings',
    {
      config: INVOCATION_BY_MODEL,
      schema: {
        tags: ['compat'],
        summary: 'Create embeddings (OpenAI-compatible)',
        description:
          'OpenAI’s embeddings API on a vectorizer plugin (`model` = plugin name). `encoding_format: "base64"` returns little-endian float32 bytes base64-encoded, which the openai clients request by default. `usage` counts whitespace-separated words.',
        body: ref(EmbeddingsRequest),
        response: { 200: ref(EmbeddingsResponse), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { input, model, encoding_format: format = 'float', dimensions } = request.body;
      const texts = textInputs(input);
      checkDimensions(manager, model, dimensions);
      const result = await operations.vectorize(model, texts, { signal: clientSignal(reply) });
      const vectors = shortenVectors(result.vectors, dimensions, result.dimensions, model);
      const tokens = countAllTokens(texts);
      return {
        object: 'list' as const,
        data: vectors.map((vector, index) => ({
          object: 'embedding' as const,
          index,
          embedding: format === 'base64' ? float32Bytes([vector]).toString('base64') : toNumbers(vector),
        })),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    },
  );
};

export default embeddingsRoutes;
