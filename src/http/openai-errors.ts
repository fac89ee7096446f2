// Errors in the shape a front door's clients understand. The OpenAI-compatible /v1 routes
// answer {error: {message, type, param, code}} (the openai clients read it into APIError); the
// status code, Retry-After and the stable MODGATE_* code are the same as on the native routes.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModgateError } from '../errors.js';
import { toModgateError } from './error-handler.js';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

const TYPE_BY_STATUS: Record<number, string> = {
  401: 'authentication_error',
  403: 'permission_error',
  429: 'rate_limit_error',
};

/** Codes that are about the `model` the client named. */
const MODEL_CODES = new Set(['MODGATE_PLUGIN_NOT_FOUND', 'MODGATE_UNSUPPORTED_OPERATION', 'MODGATE_PLUGIN_UNAVAILABLE']);

export function openAiErrorBody(error: ModgateError): OpenAIErrorBody {
  const type = error.statusCode >= 500 ? 'server_error' : (TYPE_BY_STATUS[error.statusCode] ?? 'invalid_request_error');
  return { error: { message: error.message, type, param: MODEL_CODES.has(error.code) ? 'model' : null, code: error.code } };
}

/**
 * Renders every error raised in `scope` (routes, hooks, validation, body parsing) with `render`
 * instead of the gateway's default body. Logging and status are the same as the default handler.
 */
export function setErrorRenderer(scope: FastifyInstance, render: (error: ModgateError) => unknown): void {
  scope.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = toModgateError(error);
    if (mapped.statusCode >= 500) request.log.error({ err: error, code: mapped.code }, mapped.message);
    else request.log.info({ code: mapped.code }, mapped.message);
    return sendRendered(reply, mapped, render);
  });
}

export function sendRendered(reply: FastifyReply, error: ModgateError, render: (error: ModgateError) => unknown): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  // A string body skips the route's response serializer, which knows only the success shape.
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(JSON.stringify(render(error)));
}

/** OpenAI-shaped errors for a scope registered with prefix /v1, unknown /v1 paths included. */
export function registerOpenAiErrors(scope: FastifyInstance): void {
  setErrorRenderer(scope, openAiErrorBody);
  scope.setNotFoundHandler((request, reply) =>
    sendRendered(
      reply,
      new ModgateError('MODGATE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]} (see /docs)`),
      openAiErrorBody,
    ),
  );
}
