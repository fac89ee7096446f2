// gRPC status codes <-> gateway errors. Gateway side: a plugin's status becomes the HTTP
// status the caller sees (INVALID_ARGUMENT 400, NOT_FOUND 404, RESOURCE_EXHAUSTED 429,
// UNAVAILABLE 503, DEADLINE_EXCEEDED 504, anything else 502). SDK side: an error a plugin
// implementation throws becomes the matching status.
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { ModgateError } from '../../errors.js';

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'details' in err;
}

/** The gateway error for a failed call to plugin `plugin`. */
export function errorFromStatus(plugin: string, err: ServiceError): ModgateError {
  const detail = err.details || Status[err.code] || 'no detail';
  const say = `plugin "${plugin}": ${detail}`;
  switch (err.code) {
    case Status.INVALID_ARGUMENT:
      return new ModgateError('MODGATE_VALIDATION', say, { cause: err });
    case Status.NOT_FOUND:
      return new ModgateError('MODGATE_NOT_FOUND', say, { cause: err });
    case Status.RESOURCE_EXHAUSTED:
      return new ModgateError('MODGATE_RATE_LIMITED', say, { cause: err, retryAfter: 1 });
    case Status.UNAVAILABLE:
      return new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${plugin}" is unavailable: ${detail}`, { cause: err, retryAfter: 1 });
    case Status.DEADLINE_EXCEEDED:
      return new ModgateError('MODGATE_PLUGIN_TIMEOUT', `plugin "${plugin}" did not answer in time: ${detail}`, { cause: err });
    default:
      return new ModgateError('MODGATE_PLUGIN_ERROR', `plugin "${plugin}" failed (${Status[err.code] ?? err.code}): ${detail}`, { cause: err });
  }
}

/** The status for an HTTP-like status code carried by an error a plugin threw. */
export function statusFromHttp(httpStatus: number | undefined): Status {
  switch (httpStatus) {
    case 400:
    case 413:
    case 415:
    case 422:
      return Status.INVALID_ARGUMENT;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.NOT_FOUND;
    case 409:
      return Status.ALREADY_EXISTS;
    case 429:
      return Status.RESOURCE_EXHAUSTED;
    case 503:
      return Status.UNAVAILABLE;
    case 504:
      return Status.DEADLINE_EXCEEDED;
    default:
      return Status.INTERNAL;
  }
}

/**
 * The status for anything a plugin implementation threw: a ModgateError (or any error with a
 * numeric `statusCode`/`status`, or an explicit gRPC `grpcCode`) keeps its meaning; anything
 * else is INTERNAL.
 */
export function statusOfThrown(err: unknown): { code: Status; details: string } {
  const details = err instanceof Error ? err.message : String(err);
  if (typeof err === 'object' && err !== null) {
    const record = err as { grpcCode?: unknown; statusCode?: unknown; status?: unknown };
    if (typeof record.grpcCode === 'number' && Status[record.grpcCode] !== undefined) return { code: record.grpcCode, details };
    const http = typeof record.statusCode === 'number' ? record.statusCode : typeof record.status === 'number' ? record.status : undefined;
    if (http !== undefined) return { code: statusFromHttp(http), details };
  }
  return { code: Status.INTERNAL, details };
}
