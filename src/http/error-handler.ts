// Renders every error as {statusCode, code, error, message[, details]} with a stable
// MODGATE_* code. 5xx bodies never carry stacks or internals.
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModgateError, isModgateError, type ErrorCode } from '../errors.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'MODGATE_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'MODGATE_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MODGATE_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MODGATE_VALIDATION',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MODGATE_VALIDATION',
  FST_REQ_FILE_TOO_LARGE: 'MODGATE_PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'MODGATE_PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'MODGATE_PAYLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'MODGATE_UNSUPPORTED_MEDIA_TYPE',
};

export function toModgateError(error: FastifyError | Error): ModgateError {
  if (isModgateError(error)) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const where = fastifyError.validationContext ?? 'request';
    const problems = fastifyError.validation.map((v) => `${where}${v.instancePath || ''} ${v.message ?? 'is invalid'}`.trim());
    return new ModgateError('MODGATE_VALIDATION', problems.join('; '), { details: fastifyError.validation });
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new ModgateError(mapped, fastifyError.message);
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return new ModgateError('MODGATE_VALIDATION', fastifyError.message);
  return new ModgateError('MODGATE_INTERNAL', 'internal error; the gateway log has the details');
}

export function sendError(reply: FastifyReply, error: ModgateError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  const body: Record<string, unknown> = {
    statusCode: error.statusCode,
    code: error.code,
    error: STATUS_CODES[error.statusCode] ?? 'Error',
    message: error.message,
  };
  if (error.details !== undefined && error.statusCode < 500) body.details = error.details;
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = toModgateError(error);
    if (mapped.statusCode >= 500) request.log.error({ err: error, code: mapped.code }, mapped.message);
    else request.log.info({ code: mapped.code }, mapped.message);
    return sendError(reply, mapped);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ModgateError('MODGATE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]} (see /docs)`)),
  );
}
